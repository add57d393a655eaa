"""Engines: turn a model expression into a derivation (uncertified)."""
