-- wrk script for the tile benchmark: cycles through the paths in $TILES_FILE (each thread starting
-- at a different offset) and prints one JSON line with throughput and latency percentiles.
local paths = {}
for line in io.lines(os.getenv("TILES_FILE")) do
  paths[#paths + 1] = line
end
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 131)
  threads[#threads + 1] = thread
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {["Accept-Encoding"] = "gzip"})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
