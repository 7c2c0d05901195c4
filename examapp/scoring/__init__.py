"""The composite score: inputs of a round, the scheme, the pure engine, accountability, robustness."""
