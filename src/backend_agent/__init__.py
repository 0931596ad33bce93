"""backend-agent: a person-in-the-loop builder of production backends."""

__version__ = "0.1.0"
