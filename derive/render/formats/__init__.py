"""The output formats: one module each, named as ``--format`` names it, each defining ``Printer``."""
