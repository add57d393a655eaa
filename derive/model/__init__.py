"""Plain data: expressions with ML atoms, derivations, steps and verdicts."""
