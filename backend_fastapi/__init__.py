"""DataOps: turn web pages into clean data."""

__version__ = "0.1.0"
