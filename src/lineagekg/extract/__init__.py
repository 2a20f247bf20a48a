"""The offline extractor: dataset mentions in a parsed document, a name registry, and a trained
decision model that says which mentions are sources of which dataset (see docs/extraction.md)."""
