"""Every dataset mention of a sentence: Hub links and ids, registry names, "the X dataset" noun
phrases and dataset-like names (CamelCase, letters with digits, hyphenated capitals, acronyms).

A mention is found, not judged: whether it is a source of anything is the decision model's
call (:mod:`lineagekg.extract.decision`). Model and organisation names are left out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lineagekg.extract.names import _NON_ALNUM, GENERIC, NameRegistry, is_model_name, is_organisation, name_key
from lineagekg.text.markdown import Link, hub_id

__all__ = ["Mention", "find_mentions"]


@dataclass(frozen=True)
class Mention:
    """A name at ``start:end`` of a sentence; ``ident`` when it resolves to one dataset id."""

    text: str
    start: int
    end: int
    kind: str                  # link, page, hub_id, registry, phrase, namelike
    ident: str | None = None
    ambiguous: bool = False

    @property
    def name(self) -> str:
        """The name a claim gives the source: the id when resolved, else as written."""
        return self.ident or self.text


_TOKEN = re.compile(r"[A-Za-z0-9][\w.+'’-]*[\w+]|[A-Za-z0-9]")
_HUB_ID = re.compile(r"(?<![\w/.:-])([A-Za-z0-9][\w.-]{1,60}/[A-Za-z0-9][\w.-]{1,90})(?![\w/])")
_HUB_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/[\w.-]+(?:/[\w.-]+)?",
                      re.IGNORECASE)
_EDGE_WORDS = frozenset("the a an this that these our their its of and or from".split())
_NAMELIKE = re.compile(
    r"^(?:[A-Za-z]*[a-z][A-Z][\w.-]*"               # CamelCase: ShareGPT, UltraChat, xP3
    r"|[A-Za-z][\w-]*\d[\w.-]*"                     # letters and digits: GSM8K, MATH500
    r"|[A-Z][\w]*-[A-Z0-9][\w-]*"                   # hyphenated capitals: Evol-Instruct
    r"|[A-Z]{3,}[a-z]{0,2})$")                      # acronyms: FLAN, MMLU
_ACRONYM_STOP = frozenset("""
GPT LLM LLMS SFT RLHF DPO PPO API JSON JSONL CSV URL MIT NLP AI ML RL QA CoT COT PDF HTML README TODO FAQ GPU GPUS
CPU TPU BPE UTF BSD CC BY NC SA ND LICENSE USA USD PR CLI SDK AWS GCP HF OSS NOTE NEW TBD ETC OK ID IDS NER POS
RAG SOTA EOS BOS PAD MCQ LLAMA AND THE FOR WITH FROM BASE CUDA FP16 BF16 INT8 INT4 V1 V2 V3 ASCII UI UX IMO AIME
""".split())
_PHRASE = re.compile(r"\b[Tt]he\s+((?:[A-Z0-9][\w.+-]*\s+){0,3}[A-Z0-9][\w.+-]*)\s+"
                     r"(?:dataset|corpus|benchmark|collection|data\s*set|suite)s?\b")


def _ok_name(text: str) -> bool:
    key = name_key(text)
    return (len(key) >= 2 and key not in GENERIC and not is_model_name(text) and not is_organisation(text)
            and not key.isdigit())


@lru_cache(maxsize=1 << 16)
def _token_key(token: str) -> str:
    """A word's registry key (remembered: the same words recur in every sentence)."""
    return _NON_ALNUM.sub("", token.lower())


def find_mentions(sentence: str, links: tuple[Link, ...], registry: NameRegistry) -> list[Mention]:
    """The mentions of ``sentence`` (``links`` with offsets into it), left to right, none
    overlapping (a link wins over a name inside it; a longer registry name over a shorter)."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def take(m: Mention) -> None:
        found.append(m)
        taken.append((m.start, m.end))

    for ln in links:
        ident = ln.hub_id
        if ident:
            resolved = registry.resolve(ident) or ident
            take(Mention(ln.text, ln.start, ln.end, "link", resolved))
        elif (page := registry.by_url(ln.url)) and free(ln.start, ln.end):     # a dataset's GitHub/arXiv page
            take(Mention(ln.text, ln.start, ln.end, "page", page))
        elif _ok_name(ln.text) and registry.knows(ln.text) and free(ln.start, ln.end):
            cands = registry.candidates(ln.text)
            take(Mention(ln.text, ln.start, ln.end, "registry", next(iter(cands)) if len(cands) == 1 else None,
                         ambiguous=len(cands) > 1))
    for m in _HUB_URL.finditer(sentence):
        ident = hub_id(m.group(0))
        if ident and free(m.start(), m.end()):
            take(Mention(m.group(0), m.start(), m.end(), "link", registry.resolve(ident) or ident))
    for m in _HUB_ID.finditer(sentence):
        text = m.group(1).rstrip(".")
        if not free(m.start(1), m.start(1) + len(text)):
            continue
        cands = registry.candidates(text)
        url_id = hub_id("huggingface.co/datasets/" + text)
        if len(cands) == 1 or (url_id and re.search(r"huggingface|hf\.co", sentence[max(0, m.start() - 40):m.start()])):
            take(Mention(text, m.start(1), m.start(1) + len(text), "hub_id",
                         next(iter(cands)) if len(cands) == 1 else url_id))
    words = list(_TOKEN.finditer(sentence))
    tokens = [w.span() for w in words]
    keys = [_token_key(w.group()) for w in words]
    starts = registry.starts
    i = 0
    while i < len(tokens):
        if keys[i] not in starts:                 # most words begin no known name
            i += 1
            continue
        hit = None
        key = ""
        for j in range(i, min(len(tokens), i + 8)):
            key += keys[j]
            if registry.exact(key):
                s, e = tokens[i][0], tokens[j][1]
                text = sentence[s:e]
                short_word = j == i and text.islower() and len(key) < 6 and not re.search(r"[\d_-]", text)
                if free(s, e) and _ok_name(text) and not short_word:
                    hit = (j - i + 1, text, s, e, key)
            if not registry.is_prefix(key):
                break
        if hit:
            n, text, s, e, key = hit
            cands = registry.exact(key)
            take(Mention(text, s, e, "registry", next(iter(cands)) if len(cands) == 1 else None,
                         ambiguous=len(cands) > 1))
            i += n
        else:
            i += 1
    for m in _PHRASE.finditer(sentence):
        s, e = m.start(1), m.end(1)
        text = sentence[s:e]
        if free(s, e) and _ok_name(text):
            take(Mention(text, s, e, "phrase"))
    for s, e in tokens:
        text = sentence[s:e].rstrip(".'’")
        if text.lower() == text:                   # a name-like token has a capital letter
            continue
        e = s + len(text)
        if not _NAMELIKE.match(text) or text.upper() in _ACRONYM_STOP or not free(s, e):
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?[KkMmBb]?", text) or re.fullmatch(r"[vV]\d+(?:\.\d+)*", text):
            continue
        if _ok_name(text) and re.search(r"[A-Z]", text):
            take(Mention(text, s, e, "namelike"))
    return sorted(found, key=lambda m: m.start)
