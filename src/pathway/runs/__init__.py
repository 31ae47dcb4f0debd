"""The only code that chains load -> prepare -> build -> solve -> results -> finance ->
output: one run (``pipeline``), and many (batch, sweep, Monte Carlo, portfolio).

The package attributes load lazily, so ``pathway.runs.validation`` (no Pyomo) can be
imported without the optimiser."""

from __future__ import annotations

__all__ = ["RunResult", "run_file", "run_loaded"]


def __getattr__(name: str):
    if name in __all__:
        from pathway.runs import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'pathway.runs' has no attribute {name!r}")
