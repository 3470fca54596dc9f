-- Settings for the transaction that renders tiles.
-- A tile query with literal coordinates can be planned as a parallel full-table scan that runs many
-- times slower than the index plan (bench/peers notes); tile queries are small, so parallel workers
-- never pay off here.
SET LOCAL max_parallel_workers_per_gather = 0;
-- A generic plan cannot see the tile's envelope nor the zoom band's road classes, so it cannot pick
-- between the spatial index alone and its combination with the class index (4x slower at low zoom on
-- the province demo). Planning a custom plan costs about 0.3 ms; the statements stay prepared (parsed
-- and analysed once per connection).
SET LOCAL plan_cache_mode = force_custom_plan;
SET LOCAL statement_timeout = '30s';
