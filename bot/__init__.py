"""Composition root: configuration, wiring, the command line."""
