"""The tracing agents: the paper's stages (sourcing, extracting, tracing, aggregation) as plain,
checkable functions. Extracting is text processing only, so it lives in :mod:`lineagekg.text.sections`."""
