"""pathway: lowest-cost route to a near-zero-carbon factory (零碳工厂)."""

# The package version, in this one place: pyproject.toml reads it (``[tool.setuptools.dynamic]``).
# A literal, not importlib.metadata.version(), which costs ~0.03 s on every command's start.
__version__ = "0.1.0"

__all__ = ["__version__"]
