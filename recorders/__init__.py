"""Recorders: turn live calls and message traffic into histories."""
