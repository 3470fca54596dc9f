"""Run every benchmark (make bench); each writes its own section of bench/RESULTS.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHES = [
    ["-m", "bench.data_core"],
    ["bench/gcj02_boundaries.py"],
    ["bench/tile_sizes.py", "--write-results"],
    ["bench/tiles_bench.py", "--write-results"],
    ["-m", "bench.coverage_bench"],
    ["-m", "bench.roads_import_bench", "--write-results"],
    ["-m", "bench.routing_bench"],
    ["-m", "bench.diversion_bench", "--write-results"],
    ["-m", "bench.route_http_bench", "--dataset", "monaco", "--write-results"],
    ["-m", "bench.route_http_bench", "--dataset", "province", "--write-results"],
    ["-m", "bench.reliability", "--fuzz", "--write-results"],
    ["-m", "bench.nkde_bench"],
    ["-m", "bench.analysis_bench", "--db", "daoan_bench", "--write-results"],
]


def main() -> int:
    """Load the province demo into daoan_bench (data_core does), then run every bench against it."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from bench.common import scratch_settings

    env = dict(os.environ)
    env.setdefault("DAOAN_DATABASE_URL", scratch_settings("daoan_bench").database_url or "")
    failed = 0
    for args in BENCHES:
        if not args[0].startswith("-") and not (root / args[0]).exists():
            continue
        print(f"== {' '.join(args)}", flush=True)
        failed |= subprocess.run([sys.executable, *args], cwd=root, env=env).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
