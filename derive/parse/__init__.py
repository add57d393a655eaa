"""Shared readers of user text: plain math, LaTeX, declarations (--where, --let) and data files.

No reader evaluates user text; each builds SymPy objects from an allow-list. Readers of one
capability's own input (matrix expressions, densities and supports) live in that capability's
package and build on these. Import the reader you need from its module (``derive.parse.text``,
``derive.parse.auto``, ...): this package imports nothing, so loading one reader stays cheap.
"""
