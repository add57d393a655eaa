"""Maximum likelihood (``derive mle``): the derivation from a density to its estimator, certified against numbers."""
