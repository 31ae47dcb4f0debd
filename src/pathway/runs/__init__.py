"""The only code that chains load -> prepare -> build -> solve -> results -> finance ->
output: one run (``pipeline``), and many (batch, sweep, Monte Carlo, portfolio)."""

from pathway.runs.pipeline import RunResult, run_file, run_loaded

__all__ = ["RunResult", "run_file", "run_loaded"]
