"""Tracing backends: what turns a document's text into lineage claims.

``heuristic`` is the offline, deterministic backend (general rules about how dataset
documentation phrases construction); model-backed backends share its interface:
``kind``, ``model``, ``prompt_version`` and ``trace(document, text, aliases) -> list[Claim]``.
"""
