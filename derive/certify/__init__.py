"""Certification: decide whether two expressions are equal, and check whole derivations."""
