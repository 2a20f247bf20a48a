"""The local Hugging Face cache as a document source: where it is, and a dataset's card read from it."""

from __future__ import annotations

import os
from pathlib import Path

from lineagekg.corpus.files import read_document
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError, LineageKGError


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache folder, from the environment *now* (``HF_HUB_CACHE``, else
    ``HUGGINGFACE_HUB_CACHE``, else ``$HF_HOME/hub``, else ``$XDG_CACHE_HOME/huggingface/hub``,
    else ``~/.cache/huggingface/hub``) -- the rules of ``huggingface_hub.constants``, which are
    read only once, when that library is imported."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.path.expandvars(os.path.expanduser(os.environ[var])))
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    return Path(os.path.expandvars(os.path.expanduser(home))) / "hub"


def read_hf_cache(dataset_id: str, *, cache_dir: str | Path | None = None,
                  revision: str | None = None) -> SourceDocument | None:
    """The dataset card (``README.md``) of a Hub dataset, read from the local Hugging Face cache,
    or None when the cache does not hold it.

    This is the offline path (``HF_HUB_OFFLINE=1``): it calls
    ``huggingface_hub.hf_hub_download(repo_id, "README.md", repo_type="dataset",
    local_files_only=True)``, which never touches the network whatever the environment says.
    ``cache_dir`` defaults to :func:`hf_cache_dir`; ``revision`` to the cached ``main``.
    The document's URL is the card's Hub URL at the cached commit, its kind ``hf_card``,
    ``retrieved_at`` the cached file's modification time. Raises :class:`InputError` for an id
    the Hub would reject or an unreadable cached file, and :class:`LineageKGError` when
    ``huggingface_hub`` is not installed.
    """
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import EntryNotFoundError, HFValidationError
    except ImportError as exc:
        raise LineageKGError("reading the Hugging Face cache needs huggingface_hub",
                             hint="pip install 'huggingface_hub>=0.24'") from exc
    cache = Path(cache_dir) if cache_dir is not None else hf_cache_dir()
    try:
        local = hf_hub_download(dataset_id, "README.md", repo_type="dataset", revision=revision,
                                cache_dir=cache, local_files_only=True)
    except HFValidationError as exc:
        raise InputError(f"not a Hub dataset id: {exc}", field="dataset_id") from None
    except (EntryNotFoundError, FileNotFoundError):
        return None
    local_path = Path(str(local))
    commit = local_path.parent.name
    url = f"https://huggingface.co/datasets/{dataset_id}/blob/{commit}/README.md"
    return read_document(local_path, kind="hf_card", url=url, about=(dataset_id,))
