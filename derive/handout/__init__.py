"""Handouts: the document model, the builder scripts use, and the build runner."""
from __future__ import annotations

from .builder import HandoutBuilder as HandoutBuilder
from .document import Handout as Handout

__all__ = ["Handout", "HandoutBuilder"]
