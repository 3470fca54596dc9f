"""A step progress bar on stderr for the coverage commands."""

from __future__ import annotations

import time
from collections.abc import Callable

from tqdm import tqdm


class StepProgress:
    """Counts named steps on a tqdm bar; call it with each step's name."""

    def __init__(self, total: int, *, desc: str = "coverage", enabled: bool = True) -> None:
        self.bar = tqdm(total=total, desc=desc, unit="step", leave=False, disable=not enabled)
        self.started = time.perf_counter()

    def __call__(self, name: str) -> None:
        self.bar.set_postfix_str(f"{name} ({time.perf_counter() - self.started:.1f} s)")
        self.bar.update(1)

    def close(self) -> None:
        """Remove the bar."""
        self.bar.close()


def step_progress(total: int, *, enabled: bool = True) -> tuple[Callable[[str], None], Callable[[], None]]:
    """(report a step, close) for a bar of `total` steps."""
    bar = StepProgress(total, enabled=enabled)
    return bar, bar.close
