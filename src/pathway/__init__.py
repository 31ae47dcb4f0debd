"""pathway: lowest-cost route to a near-zero-carbon factory (零碳工厂)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pathway")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
