"""Scalar calculus: derivatives step by step, rule by rule, each step certified."""
