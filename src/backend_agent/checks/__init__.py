"""Checks of a proposal before a person approves it."""
