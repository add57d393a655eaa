"""How expressions read, one module per medium: ``latex`` (handouts, Markdown, MathJax) and ``text``
(Unicode for terminals). Each holds the expression printers of every model (SymPy scalars,
matrix trees, sample statistics, sums); the format printers call them for the maths.
"""
