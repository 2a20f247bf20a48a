"""Dataset names: one normalisation, and a registry of every name the project knows.

:func:`name_key` is the one place where spellings of a name are made comparable: case,
punctuation, hyphen/underscore/space, a leading "the", trailing generic nouns ("dataset",
"corpus"), possessives, author-year citations ("(Wang et al., 2023)") and bracketed footnotes.
:func:`key_variants` adds the forms tried when the exact key is unknown: without a version suffix
("v2", "-v1.5") and without footnote digits glued to the end ("ShareGPT2").

:class:`NameRegistry` maps keys to dataset ids from the corpus index (ids, aliases, legacy card
aliases, each id's name part), the cards' ``pretty_name``, the Data Provenance Initiative
collection (dataset names and identifiers, with their Hub ids when listed) and any names the
caller adds (those already in the store). A key that stands for two ids is ambiguous and
resolves to nothing: an unresolved name stays as written, never a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from lineagekg.text.markdown import hub_id

__all__ = ["GENERIC", "NameRegistry", "is_model_name", "is_organisation", "key_variants", "name_key", "url_key"]

_CITATION = re.compile(r"\s*(?:\((?:[^()]*\bet al\.?[^()]*"
                       r"|[A-Z][\w-]+(?:\s+(?:and|&)\s+[A-Z][\w-]+)?,?\s+\d{4}[a-z]?)\)"
                       r"|\[\d+(?:[,–-]\s*\d+)*\]|\s+[A-Z][\w-]+\s+et al\.?(?:,?\s*\(?\d{4}\)?)?)")
_TRAILING_GENERIC = re.compile(r"(?i)(?:[\s_-]+(?:dataset|datasets|data|corpus|corpora|benchmark|collection|set))+$")
_NAME_SHAPE = re.compile(r"\d|[a-z][A-Z]|\s\S|^[A-Z0-9]{2,}$|[-_]")
_VERSION = re.compile(r"(?:[\s_-]*v(?:er(?:sion)?)?[\s_-]?\d+(?:\.\d+)*)$", re.IGNORECASE)

#: keys never taken as dataset names by themselves (too common as words)
GENERIC = frozenset("""
data dataset datasets code math chat instruct instruction instructions base default train test validation dev
english chinese general text web wiki books book news reddit github arxiv papers paper science qa sft dpo rlhf
ppo rl llm llms gpt api json csv readme license mit apache model models human humans synthetic mix mixture all
other others none original extended prompts responses answers questions problems tasks sources source main
small large medium full lite mini tiny en zh multilingual python java cpp javascript stack pile common crawl
commoncrawl cc web text conversations dialogue dialog chatbot assistant user system note notes step stage
summarization classification translation generation reasoning extraction brainstorming openqa closedqa
questionanswering knowledgegraph database operatingsystem coding writing creativewriting informationextraction
""".split())

_MODEL = re.compile(
    r"(?i)^(?:gpt|chatgpt|claude|gemini|palm|llama|mistral|mixtral|qwen|deepseek-?(?:r1|v\d|coder|math)|falcon|vicuna|"
    r"bloom|mt0|mt5|t5|flan-t5|starcoder|starchat|codellama|code llama|gemma|pythia|mpt|bard|o1|o3|o4|"
    r"text-davinci|davinci|codex|codegeex|santacoder|phi-\d|opt-\d|yi-\d|internlm|baichuan|chatglm|"
    r"olmo|granite|command-r|ernie|wizardcoder|wizardlm-\d|octocoder|zephyr|tulu-?\d|alpaca-\d|bert|roberta)"
    r"|(?:^|[\s_-])\d+(?:\.\d+)?[bBmM](?:$|[\s_-])")
_ORGS = frozenset("""
openai google meta microsoft anthropic nvidia huggingface bigscience bigcode allenai ai2 deepmind alibaba tsinghua
berkeley stanford mit cmu eleutherai laion argilla cohere apple amazon ibm baidu tencent bytedance mosaicml
together lmsys salesforce facebook fair deepseek mistralai stepfun openbmb thudm tiger-lab tiger ai huggingfaceh4
nomic nomic-ai
""".split())


_POSSESSIVE = re.compile(r"(?:'s|’s)(?=\s|$)")
_LEADING_THE = re.compile(r"^(?:the)\s+", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """The comparable form of a dataset name (see the module docstring); cached, since every
    sentence's names are keyed several times."""
    n = _CITATION.sub("", name)
    n = _POSSESSIVE.sub("", n.strip())
    n = _LEADING_THE.sub("", n)
    n = _TRAILING_GENERIC.sub("", n)
    return _NON_ALNUM.sub("", n.lower())


def key_variants(name: str) -> list[str]:
    """Keys to try in order: the key, then without a version suffix, then without glued
    footnote digits (only when something is left)."""
    key = name_key(name)
    out = [key]
    base = _TRAILING_GENERIC.sub("", _CITATION.sub("", name.strip()))
    unversioned = name_key(_VERSION.sub("", base))
    if unversioned and unversioned not in out and len(unversioned) >= 3:
        out.append(unversioned)
    m = re.match(r"^(.*[A-Za-z])\d{1,2}$", base)
    if m and re.search(r"[A-Z]", m.group(1)):
        trimmed = name_key(m.group(1))
        if len(trimmed) >= 3 and trimmed not in out:
            out.append(trimmed)
    return [k for k in out if k]


_GITHUB_REPO = re.compile(r"(?i)github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?(?:[/#?]|$)")
_ARXIV = re.compile(r"(?i)arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")


def url_key(url: str) -> str | None:
    """The comparable form of a GitHub repository or arXiv paper URL (``github:org/repo``,
    ``arxiv:2304.12244``), None for any other URL: the pages a dataset is known by."""
    m = _GITHUB_REPO.search(url)
    if m:
        return f"github:{m.group(1).lower()}/{m.group(2).lower()}"
    m = _ARXIV.search(url)
    return f"arxiv:{m.group(1)}" if m else None


def is_model_name(name: str) -> bool:
    """True for a model's name ("GPT-4", "Llama 2 70B", "StarCoder"): a family prefix or a
    parameter-size suffix."""
    return bool(_MODEL.search(name.strip()))


def is_organisation(name: str) -> bool:
    return name.strip().lower() in _ORGS


class NameRegistry:
    """Every known dataset name, by :func:`name_key`, to the ids it may stand for."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._reverse: dict[str, set[str]] | None = None
        self._prefixes: set[str] = set()
        self._origins: dict[str, set[str]] = {}
        self._urls: dict[str, set[str]] = {}
        self.starts: set[str] = set()      # every key and every prefix of one (a quick first test)
        self.max_words = 1
        #: acronyms a card's ``pretty_name`` defines that are common words in lower case ("Mathematics
        #: Aptitude Test of Heuristics (MATH)"): a name only when written exactly so
        self.acronyms: dict[str, set[str]] = {}

    def add(self, name: str, ident: str, origin: str = "extra") -> None:
        """Know ``name`` as a name of ``ident`` (generic words and one-letter keys are ignored);
        ``origin`` says where the name comes from (index, card, dpi, extra): a feature of the
        decision, since a DPI subset label is weaker evidence than an indexed id.
        A trailing generic noun is dropped only when what is left still looks like a name
        ("UltraChat dataset" is "UltraChat"; "Preference Collection" stays whole)."""
        key = name_key(name)
        core = _TRAILING_GENERIC.sub("", _CITATION.sub("", name.strip()))
        if core != name.strip() and not _NAME_SHAPE.search(re.sub(r"^(?i:the)\s+", "", core)):
            key = _NON_ALNUM.sub("", name.lower())
        if len(key) < 3 or key in GENERIC or key.isdigit():
            return
        self._ids.setdefault(key, set()).add(ident)
        self._origins.setdefault(key, set()).add(origin)
        for i in range(1, len(key)):
            self._prefixes.add(key[:i])
            self.starts.add(key[:i])
        self.starts.add(key)
        self._reverse = None
        self.max_words = max(self.max_words, min(8, len(name.split())))

    def add_url(self, url: str, ident: str) -> None:
        """Know a GitHub repository or arXiv URL as the page of ``ident`` (other URLs are
        ignored); a page two datasets share resolves to neither."""
        key = url_key(url)
        if key:
            self._urls.setdefault(key, set()).add(ident)

    def by_url(self, url: str) -> str | None:
        """The one dataset whose page ``url`` is (GitHub repository or arXiv paper), else None."""
        key = url_key(url)
        found = self._urls.get(key, set()) if key else set()
        return next(iter(found)) if len(found) == 1 else None

    def candidates(self, name: str) -> set[str]:
        """The ids a name may stand for (the first key variant that is known)."""
        for key in key_variants(name):
            found = self._ids.get(key)
            if found:
                return set(found)
        return set()

    def exact(self, key: str) -> set[str]:
        """The ids of an already normalised key (no variants)."""
        return self._ids.get(key, set())

    def origins(self, key: str) -> frozenset[str]:
        """Where the names of an already normalised key come from (index, card, dpi, extra)."""
        return frozenset(self._origins.get(key, ()))

    def is_prefix(self, key: str) -> bool:
        """True when some known key starts with ``key`` (and is longer)."""
        return key in self._prefixes

    def keys_of(self, ident: str) -> set[str]:
        """Every key that stands for ``ident`` (its names as the registry knows them)."""
        if self._reverse is None:
            self._reverse = {}
            for key, ids in self._ids.items():
                for i in ids:
                    self._reverse.setdefault(i.lower(), set()).add(key)
        keys = set(self._reverse.get(ident.lower(), set()))
        keys.add(name_key(ident))
        local = re.split(r"[/:]", ident, maxsplit=1)[-1]
        keys.add(name_key(local))
        return {k for k in keys if k}

    def knows(self, name: str) -> bool:
        return bool(self.candidates(name))

    def resolve(self, name: str) -> str | None:
        """The one id ``name`` stands for; None when unknown or ambiguous."""
        found = self.candidates(name)
        return next(iter(found)) if len(found) == 1 else None

    def __len__(self) -> int:
        return len(self._ids)

    @classmethod
    def build(cls, corpus: object | None = None, dpi_dir: Path | None = None,
              extra: Iterable[tuple[str, str]] = ()) -> NameRegistry:
        """A registry of the corpus's names (``corpus``: a :class:`~lineagekg.corpus.Corpus`),
        the DPI collection's (``dpi_dir``: its ``raw`` folder, default beside the corpus) and
        ``extra`` ``(name, id)`` pairs."""
        reg = cls()
        if corpus is not None:
            ids = corpus.dataset_ids()                          # type: ignore[attr-defined]
            for name, ident in corpus.aliases().items():        # type: ignore[attr-defined]
                reg.add(name, ident, "index")
            for ident in ids:
                reg.add(ident, ident, "index")
                if "/" in ident:
                    org, local = ident.split("/", 1)
                    reg.add(local, ident, "index")
                    if local.lower().startswith(org.lower()) and len(local) > len(org) + 3:
                        reg.add(local[len(org):], ident, "index")         # databricks/databricks-dolly-15k
            for ident, pretty in _pretty_names(corpus):
                reg.add(pretty, ident, "card")
                for acronym in _DEFINED_ACRONYM.findall(pretty):
                    if name_key(acronym) in GENERIC:
                        reg.acronyms.setdefault(acronym, set()).add(ident)
            for url, ident in _repository_pages(corpus):
                reg.add_url(url, ident)
            root = getattr(corpus, "root", None)
            if dpi_dir is None and root is not None:
                dpi_dir = Path(root) / "dpi" / "raw"
        if dpi_dir is not None:
            for name, ident in dpi_names(dpi_dir):
                reg.add(name, ident, "dpi")
            for url, ident in dpi_pages(dpi_dir):
                reg.add_url(url, ident)
        for name, ident in extra:
            reg.add(name, ident)
        return reg


_DEFINED_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,7})\)")


def _pretty_names(corpus: object) -> list[tuple[str, str]]:
    out = []
    for entry in corpus.entries():                              # type: ignore[attr-defined]
        try:
            doc = corpus.read(entry)                            # type: ignore[attr-defined]
        except Exception:      # an unreadable document has no pretty name; the trace reports it
            continue
        pretty = doc.metadata.get("pretty_name") if doc.metadata else None
        if isinstance(pretty, str) and pretty.strip() and len(doc.about) == 1:
            out.append((doc.about[0], pretty.strip()))
    return [(ident, pretty) for ident, pretty in out]


def _repository_pages(corpus: object) -> list[tuple[str, str]]:
    """``(GitHub repository URL, id)`` for each repository of the corpus whose documents are all
    about the same one dataset (a repository about several names none of them)."""
    per_repo: dict[str, set[str]] = {}
    for entry in corpus.entries():                              # type: ignore[attr-defined]
        key = url_key(entry.url or "")
        if key and key.startswith("github:") and entry.kind == "github_readme":
            per_repo.setdefault(key, set()).update(entry.datasets or ("",))
    return [("https://github.com/" + key.split(":", 1)[1], next(iter(ids)))
            for key, ids in sorted(per_repo.items()) if len(ids) == 1 and "" not in ids]


@lru_cache(maxsize=4)
def _dpi_entries(dpi_dir: str) -> tuple[dict, ...]:
    entries: list[dict] = []
    for path in sorted(Path(dpi_dir).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            entries += [v for v in data.values() if isinstance(v, dict)]
    return tuple(entries)


def dpi_names(dpi_dir: Path) -> list[tuple[str, str]]:
    """``(name, id)`` of every DPI dataset: its name and identifier, to its Hub id when it has
    one (else to its name). A subset's label is not a name of the Hub dataset: when several
    entries share one Hub id, or the Hub URL points at one configuration of it, an entry's
    name counts only if it names the Hub dataset ("summarization" of a Dolly translation does
    not; its unique identifier still does)."""
    entries = _dpi_entries(str(dpi_dir))
    per_hub: dict[str, int] = {}
    for e in entries:
        hub = hub_id(str(e.get("Hugging Face URL") or ""))
        if hub:
            per_hub[hub.lower()] = per_hub.get(hub.lower(), 0) + 1
    out = []
    for e in entries:
        url = str(e.get("Hugging Face URL") or "")
        hub = hub_id(url)
        name = str(e.get("Dataset Name") or "").strip()
        ident = hub if hub and "/" in hub else name
        if not ident:
            continue
        names = [str(e.get("Unique Dataset Identifier") or "").strip()]
        subset = bool(hub and (per_hub.get(hub.lower(), 0) > 1 or "/viewer/" in url))
        if not subset or _names_dataset(name, ident):
            names.insert(0, name)
        out += [(n, ident) for n in names if n]
    return out


def dpi_pages(dpi_dir: Path) -> list[tuple[str, str]]:
    """``(GitHub or arXiv URL, Hub id)`` of every DPI dataset with a Hub id."""
    out = []
    for e in _dpi_entries(str(dpi_dir)):
        hub = hub_id(str(e.get("Hugging Face URL") or ""))
        if hub and "/" in hub:
            out += [(str(e.get(f) or ""), hub) for f in ("GitHub URL", "ArXiv URL") if e.get(f)]
    return out


def _names_dataset(name: str, ident: str) -> bool:
    """True when ``name`` is a spelling of the dataset ``ident`` (one key contains the other)."""
    key, local = name_key(name), name_key(re.split(r"[/:]", ident, maxsplit=1)[-1])
    return bool(key) and bool(local) and (key in local or local in key)


def dpi_derivations(dpi_dir: Path) -> list[tuple[str, str]]:
    """``(Hub id, parent)`` of every DPI "derived from" link of a dataset with a Hub id (the
    parent as DPI writes it: a Hub URL or a name)."""
    out = []
    for e in _dpi_entries(str(dpi_dir)):
        hub = hub_id(str(e.get("Hugging Face URL") or ""))
        if not hub or "/" not in hub:
            continue
        for parent in e.get("Derived from Datasets") or ():
            parent = str(parent).strip()
            if parent:
                out.append((hub, hub_id(parent) or parent))
    return out
