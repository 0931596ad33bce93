"""Errors that reach the person, each carrying the exit code the CLI returns for it."""

from __future__ import annotations


class BackendAgentError(Exception):
    """An error with a message meant for a person and a hint saying what to do next."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class BadInput(BackendAgentError):
    """Usage errors, a bad brief, a path that is not a repository: exit 2."""

    exit_code = 2


class ProviderFailure(BackendAgentError):
    """The model could not produce a proposal (API error, budget reached, cancelled): exit 3."""

    exit_code = 3


class Conflict(BackendAgentError):
    """Someone else holds the build, or the repository is mid-merge or mid-rebase: exit 4."""

    exit_code = 4


class WorkspaceError(BackendAgentError):
    """git refused an operation on our branch or worktree."""

    exit_code = 1
