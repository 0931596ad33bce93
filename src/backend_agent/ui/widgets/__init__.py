"""Widgets of our own: the diff, the phase stepper, the file list, the in-place editor."""
