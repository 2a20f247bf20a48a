"""Offline document sources for tracing: a corpus folder, and the local Hugging Face cache.

A *corpus folder* comes in two layouts:

* **indexed** -- an ``index.json`` at its root (the layout of ``lineage_corpus``)::

      {"documents": [{"doc_key", "file", "url", "kind", "license", "datasets": [ids]}, ...],
       "datasets":  [{"id", "aliases": [...], "files": [...]}, ...],
       "legacy_card_aliases": {"gsm8k": "openai/gsm8k", ...}}

  ``file`` is relative to the folder. ``documents`` is required; ``datasets`` and
  ``legacy_card_aliases`` are optional. A ``datasets[]`` entry may also say what the corpus
  knows of the dataset beyond its documents: ``on_hub`` (a boolean: whether the Hugging Face Hub
  holds it), ``hub_created_at`` (when it was created on the Hub) and ``paper_date`` (when its
  paper came out), dates as ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO date-time. Documents of
  kind ``dpi_metadata_*`` (JSON metadata, not
  prose) are listed by :meth:`Corpus.entries` and :meth:`Corpus.skipped` but never read as
  documents.

* **plain** -- no ``index.json``: every ``*.md`` file under the folder (hidden folders left out)
  is one document about one dataset, whose id is the file's stem: ``<org>__<name>.md`` gives
  ``org/name``, any other stem is the id as it is (``gsm8k.md`` gives ``gsm8k``), and a file
  named ``README.md`` takes the id from its folder's name by the same rule
  (``openbmb__UltraFeedback/README.md`` gives ``openbmb/UltraFeedback``). The card's YAML
  (``pretty_name`` and so on) is *not* used for the id. Its kind is ``hf_card`` when it has YAML
  front matter, else ``markdown``; its URL is an IRI made from its content (``iris``).

Reading a document checks it: a file that is missing, over 5 MB, binary (has NUL bytes), not
UTF-8, or whose card YAML is broken raises :class:`~lineagekg.errors.InputError` naming the file,
so that a caller can record it and go on (``on_error=`` of :meth:`Corpus.documents_for` does
just that).
"""

from lineagekg.corpus.files import MAX_DOCUMENT_BYTES, read_document
from lineagekg.corpus.folder import INDEX_FILE, SKIPPED_KIND_PREFIXES, Corpus, CorpusEntry, DatasetEntry, url_key
from lineagekg.corpus.hf_cache import hf_cache_dir, read_hf_cache

__all__ = [
    "INDEX_FILE",
    "MAX_DOCUMENT_BYTES",
    "SKIPPED_KIND_PREFIXES",
    "Corpus",
    "CorpusEntry",
    "DatasetEntry",
    "hf_cache_dir",
    "read_document",
    "read_hf_cache",
    "url_key",
]
