"""``python -m pathway.cli``: the same as the ``pathway`` console script."""

from pathway.cli import entry

entry()
