"""derive check: read a hand derivation, certify every step, point at the first wrong one."""
