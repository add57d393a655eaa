"""Least squares: closed-form estimators derived through the matrix engine (and in summation form), fitted to data."""
