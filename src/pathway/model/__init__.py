"""The multi-year factory pathway model.

Two builds of the same LP:

* ``pathway.model.direct.build_direct`` (the default route, 'direct'): the LP assembled as
  sparse arrays, hourly constraint groups as array operations (``model.linear``), no Pyomo;
* ``build_model`` (``pathway.model.pyomo_model``; routes 'compiler' and 'persistent', the
  sweeps' re-solved models, pathway replan): a Pyomo model
  built from small ``add_*`` functions, one per group, each stating its equation.

``tests/test_direct_model.py`` checks that both give HiGHS the same LP. Importing this
package does not import Pyomo; ``build_model`` does, when first used.
"""

from __future__ import annotations

from pathway.model.rules import OBJ_SCALE

__all__ = ["build_model", "builder", "OBJ_SCALE"]


def builder(route: str):
    """The builder ``build(md, *, ceiling_slack=False)`` of a solver route: the array-built
    ``model.direct.build_direct`` for 'direct', the Pyomo ``build_model`` otherwise."""
    if route == "direct":
        from pathway.model.direct import build_direct

        return build_direct
    from pathway.model.pyomo_model import build_model

    return build_model


def __getattr__(name: str):
    if name == "build_model":
        from pathway.model.pyomo_model import build_model

        return build_model
    raise AttributeError(f"module 'pathway.model' has no attribute {name!r}")
