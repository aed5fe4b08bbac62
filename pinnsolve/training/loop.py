"""What the PINN trainer (trainer.py) and the PINO trainer (operator.py) share around their
phase loops: starting or resuming the clock, and NaN rollback's retry budget and report.

Both keep ``settings``, ``callback``, ``step``, ``phase_step``, ``elapsed``, ``lr_scale``,
``good`` (the last snapshot) and ``_info()``; each restores its own state between
:meth:`LoopState._spend_retry` and :meth:`LoopState._report_rollback`.
"""
from __future__ import annotations

import time

from ..errors import SolveError


class LoopState:
    """Mixin: the start of the phase loop and the bookkeeping of a NaN rollback."""

    def _begin(self) -> list:
        """Count the steps, reset the retry budget, restart the clock where it stopped (on
        resume) and announce the start; returns the phases."""
        phases = self.settings.training.phases
        self.total_steps = sum(p.steps for p in phases)
        self.retries = 0
        self.t_start = time.perf_counter() - self.elapsed
        self.callback("start", self._info())
        return phases

    def _spend_retry(self, bad: list[str], what: str, advice: str) -> int:
        """One more rollback, or a SolveError when the budget is spent or there is nothing
        good to go back to. Returns the step that failed."""
        self.retries += 1
        if self.retries > self.settings.training.max_retries or self.good is None:
            raise SolveError(f"{what} became non-finite and {self.retries - 1} rollbacks with "
                             f"smaller steps did not help; {advice}",
                             term=", ".join(bad) or None, step=self.step)
        return self.step

    def _report_rollback(self, failed: int, bad: list[str], what: str, label: str) -> None:
        """Halve the learning rate and report the rollback (after the state is restored)."""
        self.lr_scale *= 0.5
        self.callback("rollback", {"message": f"{what} non-finite at step {failed} "
                                   f"({label} {', '.join(bad) or '?'}); rolled back to step "
                                   f"{self.step}, learning rate ×{self.lr_scale:g}",
                                   "step": self.step, "terms": bad, "what": what})
