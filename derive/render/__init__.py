"""Renderers: LaTeX, terminal text, Markdown, JSON and the PDF handout pipeline."""
