"""Run every benchmark (make bench); each writes its own section of bench/RESULTS.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHES = [
    ["-m", "bench.data_core"],
    ["bench/gcj02_boundaries.py"],
]


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    failed = 0
    for args in BENCHES:
        target = args[-1]
        if not args[0].startswith("-") and not (root / target).exists():
            continue
        print(f"== {' '.join(args)}", flush=True)
        failed |= subprocess.run([sys.executable, *args], cwd=root).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
