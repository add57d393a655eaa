"""Other outputs of handouts and sheets: self-contained HTML, and Moodle question XML.

``questions`` holds the data a sheet hands to an online export (``QuestionVariant``, ``Answer``);
``html`` and ``moodle`` write them. Nothing below the CLI and the build runner imports this package.
"""
from __future__ import annotations

from .questions import Answer as Answer
from .questions import QuestionVariant as QuestionVariant

__all__ = ["Answer", "QuestionVariant"]
