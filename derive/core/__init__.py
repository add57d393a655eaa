"""The small core every stage shares: errors, the budget, verdicts, the step contract, the visitor base."""
