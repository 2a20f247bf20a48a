"""The tracing agents: the paper's stages (sourcing, extracting, tracing, aggregation) as plain,
checkable functions."""
