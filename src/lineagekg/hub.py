"""Online access to the Hugging Face Hub, through ``huggingface_hub`` (imported lazily).

:func:`fetch_card` downloads a dataset card and the dataset's Hub metadata. With
``HF_HUB_OFFLINE=1`` (or without a network) it raises a :class:`~lineagekg.errors.LineageKGError`
whose hint points at the offline sources: :func:`lineagekg.corpus.read_hf_cache` (the local
Hugging Face cache) and :class:`lineagekg.corpus.Corpus` (a folder of cards). The offline check
comes before ``huggingface_hub`` is even imported, so it never makes a network call.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from lineagekg import iris
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError, LineageKGError, UnreachableError
from lineagekg.text.frontmatter import parse_front_matter

__all__ = ["HUB_METADATA_KEY", "dataset_exists", "fetch_card", "hub_offline"]

#: key of ``SourceDocument.metadata`` that holds what the Hub API says of the dataset (not card
#: YAML): ``created_at``, ``last_modified``, ``sha``, ``id``, ``tags`` (``arxiv:2110.14168`` ...),
#: ``downloads``
HUB_METADATA_KEY = "_hub"

_OFFLINE_HINT = ("read the card from the local Hugging Face cache (lineagekg.corpus.read_hf_cache) "
                 "or from a corpus folder (lineagekg.corpus.Corpus); unset HF_HUB_OFFLINE to go online")
_NETWORK_MODULES = ("httpx", "httpcore", "requests", "urllib3", "aiohttp")


def _true(value: str | None) -> bool:
    return (value or "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_offline() -> bool:
    """True when the environment asks for offline mode (``HF_HUB_OFFLINE`` or
    ``TRANSFORMERS_OFFLINE`` set to 1/ON/YES/TRUE), read now, not at import time."""
    return _true(os.environ.get("HF_HUB_OFFLINE")) or _true(os.environ.get("TRANSFORMERS_OFFLINE"))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _is_network_error(exc: BaseException) -> bool:
    """An error of the network layer (``httpx``, and forks such as ``httpx2`` that
    ``huggingface_hub`` may use, ``requests``, ...) or of the OS."""
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0].startswith(_NETWORK_MODULES)


def _hub_unavailable(exc: BaseException) -> bool:
    """The Hub could not answer: the network failed, or it replied 429 or 5xx (overloaded, down)."""
    if _is_network_error(exc):
        return True
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def fetch_card(dataset_id: str, *, token: str | None = None, timeout: float = 10.0,
               endpoint: str | None = None) -> SourceDocument:
    """The dataset card of ``dataset_id`` from the Hub, as a :class:`SourceDocument`.

    Uses ``huggingface_hub.DatasetCard.load`` for the card and ``HfApi().dataset_info`` for its
    metadata: ``url`` is the card at the current commit, ``kind`` ``hf_card``, ``retrieved_at``
    now (UTC), ``license`` the card's ``license`` field, ``metadata`` the card's YAML plus, under
    :data:`HUB_METADATA_KEY`, the dataset's ``created_at``, ``last_modified`` and ``sha``.

    The metadata is asked first, in one request: when the Hub cannot be reached, that fails at
    once, before the card download (which ``huggingface_hub`` retries for about 24 s).

    Raises :class:`UnreachableError` when the Hub cannot be reached or is unavailable (network
    error, 429, 5xx: nothing is known about the dataset then); :class:`LineageKGError` (with a
    hint) in offline mode, when the dataset does not exist or is gated, when it has no card, or
    when ``huggingface_hub`` is not installed; :class:`InputError` for an id the Hub rejects.
    """
    if hub_offline():
        raise LineageKGError(f"cannot fetch the card of {dataset_id!r} from the Hub: offline mode "
                             "(HF_HUB_OFFLINE) is set", hint=_OFFLINE_HINT)
    try:
        from huggingface_hub import DatasetCard, HfApi, constants, hf_hub_download
        from huggingface_hub.errors import (
            EntryNotFoundError,
            GatedRepoError,
            HFValidationError,
            LocalEntryNotFoundError,
            RepositoryNotFoundError,
        )
    except ImportError as exc:
        raise LineageKGError("fetching cards from the Hub needs huggingface_hub",
                             hint="pip install 'huggingface_hub>=0.24'") from exc
    if constants.HF_HUB_OFFLINE:           # set in the environment when the library was imported
        raise LineageKGError(f"cannot fetch the card of {dataset_id!r} from the Hub: huggingface_hub "
                             "was imported in offline mode (HF_HUB_OFFLINE)", hint=_OFFLINE_HINT)
    try:
        api = HfApi(endpoint=endpoint)
        info = api.dataset_info(dataset_id, token=token, timeout=timeout)
        card = DatasetCard.load(hf_hub_download(dataset_id, constants.REPOCARD_NAME, repo_type="dataset",
                                                revision=getattr(info, "sha", None), token=token,
                                                endpoint=api.endpoint))
    except LocalEntryNotFoundError as exc:     # "not in the cache, and the Hub could not be asked"
        raise UnreachableError(f"cannot reach the Hugging Face Hub for {dataset_id!r}: {exc}",
                               hint="check the network, or set HF_HUB_OFFLINE=1 and " + _OFFLINE_HINT) from exc
    except HFValidationError as exc:
        raise InputError(f"not a Hub dataset id: {exc}", field="dataset_id") from None
    except GatedRepoError as exc:
        raise LineageKGError(f"dataset {dataset_id!r} is gated on the Hub",
                             hint="accept its terms on the Hub and pass a token") from exc
    except RepositoryNotFoundError as exc:
        raise LineageKGError(f"no dataset {dataset_id!r} on the Hub (or it is private)",
                             hint="check the id, or pass a token for a private dataset") from exc
    except EntryNotFoundError as exc:
        raise LineageKGError(f"dataset {dataset_id!r} has no card (README.md) on the Hub") from exc
    except Exception as exc:
        if _hub_unavailable(exc):
            raise UnreachableError(f"cannot reach the Hugging Face Hub for {dataset_id!r}: {exc}",
                                   hint="check the network, or set HF_HUB_OFFLINE=1 and " + _OFFLINE_HINT) from exc
        raise

    text = str(card.content)
    metadata, _ = parse_front_matter(text, f"https://huggingface.co/datasets/{dataset_id}")
    sha = getattr(info, "sha", None)
    metadata[HUB_METADATA_KEY] = {
        "id": getattr(info, "id", dataset_id),
        "sha": sha,
        "created_at": _iso(getattr(info, "created_at", None)),
        "last_modified": _iso(getattr(info, "last_modified", None)),
        "tags": [str(t) for t in (getattr(info, "tags", None) or [])],
        "downloads": getattr(info, "downloads", None),
    }
    licence = metadata.get("license")
    if isinstance(licence, list):
        licence = ", ".join(str(v) for v in licence) or None
    url = (f"https://huggingface.co/datasets/{dataset_id}/blob/{sha}/README.md" if sha
           else f"https://huggingface.co/datasets/{dataset_id}")
    return SourceDocument(url=url, kind="hf_card", text=text, about=(dataset_id,),
                          retrieved_at=_iso(datetime.now(UTC)),
                          license=str(licence) if licence not in (None, "") else None,
                          metadata=metadata)


def dataset_exists(dataset_id: str, *, token: str | None = None, endpoint: str | None = None,
                   timeout: float = 10.0) -> bool | None:
    """Whether the Hub holds a dataset ``dataset_id``: True (a gated one counts), False (the Hub
    answers that it does not exist, or the id is one the Hub rejects), or None when it cannot be
    told: offline mode, no ``huggingface_hub``, or the Hub not reachable. Never raises for those,
    so a trace goes on and records "unknown" rather than a wrong "not on the Hub".

    ``endpoint`` is the Hub's URL (default: ``huggingface_hub``'s, ``HF_ENDPOINT``).
    """
    if not iris.looks_like_hub_id(dataset_id):
        return False                   # a form the Hub never accepts (a space, a colon ...)
    if hub_offline():
        return None
    try:
        from huggingface_hub import HfApi, constants
        from huggingface_hub.errors import (
            GatedRepoError,
            HFValidationError,
            RepositoryNotFoundError,
        )
    except ImportError:
        return None
    if constants.HF_HUB_OFFLINE:
        return None
    try:
        HfApi(endpoint=endpoint).dataset_info(dataset_id, token=token, timeout=timeout)
    except GatedRepoError:
        return True
    except RepositoryNotFoundError:
        return False
    except HFValidationError:
        return False
    except Exception as exc:
        if _hub_unavailable(exc):
            return None
        raise
    return True


def _name_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def search_dataset(name: str, *, token: str | None = None, endpoint: str | None = None,
                   limit: int = 50, timeout: float = 10.0) -> str | None:
    """The Hub id a dataset name stands for, by Hub search: the one dataset among the results whose
    name part is spelt the same (case and punctuation aside: ``UltraFeedback`` →
    ``openbmb/UltraFeedback``). None when no result or several match, and when the Hub cannot be
    asked (offline, not reachable): a name is never resolved by a guess. One request, no retries
    (``list_datasets`` retries a refused connection for about 20 s, too long inside a trace)."""
    key = _name_key(name.rsplit("/", 1)[-1])
    if not key or hub_offline():
        return None
    try:
        from huggingface_hub import HfApi, constants
        from huggingface_hub.utils import get_session, hf_raise_for_status
    except ImportError:
        return None
    if constants.HF_HUB_OFFLINE:
        return None
    api = HfApi(endpoint=endpoint, token=token)
    try:
        response = get_session().get(f"{api.endpoint}/api/datasets", params={"search": name.strip(), "limit": limit},
                                     headers=api._build_hf_headers(token=token), timeout=timeout)
        hf_raise_for_status(response)
        found = [str(item["id"]) for item in response.json() if isinstance(item, dict) and "id" in item]
    except Exception as exc:
        if _hub_unavailable(exc):
            return None
        raise
    if "/" in name and name.strip() in found:
        return name.strip()
    matches = sorted({ident for ident in found if _name_key(ident.rsplit("/", 1)[-1]) == key})
    return matches[0] if len(matches) == 1 else None
