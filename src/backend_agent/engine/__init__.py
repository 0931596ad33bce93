"""The build engine: the only API the wizard and the headless CLI use."""

from .session import BuildSession

__all__ = ["BuildSession"]
