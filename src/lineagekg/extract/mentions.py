"""Every dataset mention of a sentence: Hub links and ids, registry names, "the X dataset" noun
phrases and dataset-like names (CamelCase, letters with digits, hyphenated capitals, acronyms);
and names no registry knows, each with the way it was found as its kind: a link whose text is a
name ("[ActivityNet Captions](...)", ``linkname``), a name with its acronym or long form in
brackets ("Open American National Corpus (OANC)", ``paren``), a capitalised name after a
construction cue ("extracted from DBpedia", "taken from the Winograd Schema Challenge", ``cued``),
the subject of a sentence that introduces it ("The Stanford Sentiment Treebank consists of ...",
``subject``).

A mention is found, not judged: whether it is a source of anything is the decision model's
call (:mod:`lineagekg.extract.decision`). Model and organisation names are left out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lineagekg.extract.names import _NON_ALNUM, GENERIC, NameRegistry, is_model_name, is_organisation, name_key
from lineagekg.text.markdown import Link, hub_id

__all__ = ["LINK_WORDS", "Mention", "cue_governs", "find_mentions", "introduced_name", "ok_item_name"]


@dataclass(frozen=True)
class Mention:
    """A name at ``start:end`` of a sentence; ``ident`` when it resolves to one dataset id."""

    text: str
    start: int
    end: int
    kind: str                  # link, page, hub_id, registry, phrase, namelike, linkname, paren, cued, subject
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
PDFS RDF OCR XML URI URIS URLS SQL YAML TSV
""".split())
#: a language or a country alone is no dataset's name ("samples from Pakistan, China, ...", "The Russian dataset")
_PLACES_AND_LANGUAGES = frozenset("""
english chinese russian german french spanish japanese korean arabic hindi urdu bengali turkish italian portuguese
dutch polish thai vietnamese indonesian persian swahili greek hebrew czech finnish swedish
china india pakistan russia germany france spain japan korea usa america europe africa asia international
""".split())
_PHRASE = re.compile(r"\b[Tt]he\s+((?:[A-Z0-9][\w.+-]*\s+){0,3}[A-Z0-9][\w.+-]*"
                     # or a slug with a digit, an underscore or a one-letter part: "the humaneval-x dataset"
                     # (not "the well-known dataset")
                     r"|[a-z][a-z.+]*(?:[-_][a-z.+]+)*(?:_[a-z0-9.+]+|-[a-z0-9]|[-_]?\d[\w.+]*)(?:[-_][\w.+]+)*)\s+"
                     r"(?:dataset|corpus|benchmark|collection|data\s*set|suite)s?\b")


#: a word of a capitalised name ("Winograd", "WikiQuotes", "2016", "SemEval-2018")
_TITLE_WORD = r"(?:[A-Z][\w.+'’-]{0,40}[\w+]|[A-Z]|\d[\w.-]{0,40})"      # bounded: a 2 MB word is no name
_TITLE = rf"{_TITLE_WORD}(?:[ \t]+(?:(?:of|for|de|on|the|in)[ \t]+)?{_TITLE_WORD}){{0,6}}"
_BRACKETED = re.compile(rf"(?P<out>{_TITLE})[ \t]+\((?P<in>[^()]{{2,60}})\)")
#: what comes before a name of a source: "[data] ... from", a construction verb ... "from/on/of",
#: "inspired by", "from ... including"; then an optional article or modifier
_CUE = re.compile(
    r"(?i)\b(?:(?:data|texts?|sentences|articles|questions|passages|examples|problems|instructions|samples|pairs|"
    r"documents|captions|tweets|reviews|posts|stories|prompts|conversations|dialogues|triples|subtitles|summaries|"
    r"answers|queries|tasks)(?:[ \t]+[\w-]+){0,2}?[ \t]+from"
    r"|(?:collected|gathered|derived|extracted|taken|drawn|obtained|sourced|compiled|mined|crawled|scraped|sampled|"
    r"selected|adapted|built|based|constructed|created|comes?|came|originat\w*|translated|annotated|consists?|"
    r"composed)(?:[ \t]+[\w-]+){0,3}?[ \t]+(?:from|on|of|upon)"
    r"|(?:inspired|modell?ed)[ \t]+(?:by|on|after)"
    r"|(?:version|subset|portion|sample|extension|translation|superset|mixture|combination)s?[ \t]+of"
    r"|(?:from|sources?|datasets?|corpora|competitions?)\b[^.;]{0,60}?\b"
    r"(?:including|includes?|comprises?|such[ \t]+as))"
    r"[ \t]+(?:(?:the|raw|original|existing|public)[ \t]+)?")
_CUED_NAME = re.compile(rf"{_TITLE}")
#: a sentence that introduces a name: "The Corpus of Linguistic Acceptability consists of ...", "The
#: Microsoft Research Paraphrase Corpus (Dolan & Brockett, 2005) is a corpus of ..."
_SUBJECT = re.compile(rf"^\s*The[ \t]+(?P<name>{_TITLE})(?:[ \t]+\([^()]*\))?"
                      r"(?:[ \t]+(?:dataset|datasets|corpus|benchmark|collection|data))?[ \t]+"
                      r"(?:is|are|was|were|consists?|contains?|comes?|come|comprises?|includes?)\b")
_COORDINATED = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:the\s+)?")
#: capitalised words that begin no dataset's name after a cue ("based on Table 2")
_NOT_NAMES = frozenset("""table section figure fig appendix chapter eq equation step stage part page hugging face
huggingface github twitter we our this these that it they i a an in on january february march april
may june july august september october november december more""".split())
#: modifiers of a known name ("English Wikipedia", "Russian Reddit" is Reddit; "Simple English Wikipedia" is not)
_MODIFIERS = re.compile(r"(?i)^(?:(?:the|raw|original|full|public|english|chinese|russian|german|french|spanish|"
                        r"japanese|korean|arabic|hindi|multilingual)\s+)+")
LINK_WORDS = frozenset("""here link this paper website homepage home page blog code repo repository github download
arxiv pdf twitter discord license licence demo documentation docs leaderboard project site hugging face
huggingface model card colab homepage datasheet licence license version""".split())
#: pages of people and venues, not of data
_PERSONAL_URL = re.compile(r"(?i)^mailto:|twitter\.com|//x\.com|linkedin\.com|scholar\.google|orcid\.org|"
                           r"github\.com/[\w.-]+/?$|aclweb\.org|aclanthology|creativecommons\.org|opensource\.org")


def _abbreviates(short: str, long: str) -> bool:
    """True when ``short`` is an acronym of ``long``: its letters, in order, in ``long``, the
    first of them the first letter of ``long`` ("OANC" of "Open American National Corpus",
    "PWKP" of "Parallel Wikipedia Simplification", "CB" of "CommitmentBank")."""
    letters = [c for c in short.lower() if c.isalpha()]
    text = re.sub(r"[^a-z0-9]", "", long.lower())
    if not 2 <= len(letters) <= 8 or sum(c.isupper() for c in short) < 2 or not text or text[0] != letters[0]:
        return False
    pos = 0
    for c in letters:
        pos = text.find(c, pos) + 1
        if pos == 0:
            return False
    return len(text) > len(letters)


def _bracketed_names(sentence: str) -> list[tuple[int, int]]:
    """Spans of "Long Name (ACRONYM)" and "ACRONYM (Long Name)": one name written two ways."""
    spans = []
    for m in _BRACKETED.finditer(sentence):
        words = list(re.finditer(r"\S+", m.group("out")))
        inner = m.group("in").strip()
        short_first = re.fullmatch(r"[A-Za-z][\w-]{0,11}", words[-1].group()) and \
            _abbreviates(words[-1].group(), inner) and re.fullmatch(_TITLE, inner)
        if short_first:
            spans.append((m.start("out") + words[-1].start(), m.end()))
            continue
        if not re.fullmatch(r"[A-Z][\w-]{1,11}", inner):
            continue
        for w in reversed(words):             # the shortest run of words the acronym abbreviates
            long = m.group("out")[w.start():]
            if w.group().lower() in ("the", "a", "an"):
                break
            if _abbreviates(inner, long):
                spans.append((m.start("out") + w.start(), m.end()))
                break
    return spans


def _cued_names(sentence: str) -> list[tuple[int, int]]:
    """Spans of capitalised names right after a construction cue, with the names coordinated
    with them ("extracted from Wikipedia, Russian Reddit and Russian WikiQuotes")."""
    spans = []
    for cue in _CUE.finditer(sentence):
        pos = cue.end()
        while True:
            m = _CUED_NAME.match(sentence, pos)
            if not m:
                break
            spans.append((m.start(), m.end()))
            joint = _COORDINATED.match(sentence, m.end())
            if not joint:
                break
            pos = joint.end()
    return spans


_BETWEEN_NAMES = re.compile(r"(?i)^(?:[\s,;:/&*_]|\band\b|\bor\b|\bthe\b|\betc\b|\bas well as\b)*$")


#: how far before a name the cue that lists it may stand (a list of some fifty names)
_GOVERNED_REACH = 1000


def cue_governs(sentence: str, mention: Mention, mentions: list[Mention]) -> bool:
    """True when ``mention`` is one of the names a construction cue of ``sentence`` governs: the
    cue ("collected from", "combined the data from", "sources ... including") is followed by a
    run of names, commas, "and", brackets (citations), of which this mention is one ("extracted
    from Wikipedia, Russian Reddit and Russian WikiQuotes")."""
    for cue in _CUE.finditer(sentence, max(0, mention.start - _GOVERNED_REACH), mention.start + 1):
        if cue.end() > mention.start:
            break
        gap = list(sentence[cue.end():mention.start])
        for other in mentions:
            if other is not mention and other.start >= cue.end() and other.end <= mention.start:
                gap[other.start - cue.end():other.end - cue.end()] = " " * (other.end - other.start)
        rest = re.sub(r"\([^()]*\)|\[[^\]]*\]", " ", "".join(gap))
        if _BETWEEN_NAMES.match(rest):
            return True
    return False


#: nouns that end the name of data ("Amazon Review Dataset", "Natural Questions"), not a person's
_DATA_NOUNS = re.compile(r"(?i)^(?:data|dataset|datasets|corpus|corpora|bank|treebank|questions|answers|reviews|"
                         r"captions|challenge|benchmark|collection|dump|archive|tweets|news|stories|dialog|dialogs|"
                         r"dialogues|wiki|pedia|texts)$")


def _person_like(text: str) -> bool:
    """Two or three plain capitalised words and no data noun: "Dan Hendrycks", "Collin Burns"."""
    words = text.split()
    return 2 <= len(words) <= 3 and all(re.fullmatch(r"[A-Z][a-z]+", w) for w in words) and \
        not any(_DATA_NOUNS.match(w) for w in words)


def _link_name(ln: Link) -> bool:
    """A link whose text is a capitalised name (not "here", a paper, a citation or a person)."""
    words = ln.text.split()
    return (1 <= len(words) <= 6 and bool(re.fullmatch(_TITLE, ln.text.strip())) and not _person_like(ln.text)
            and not ln.url.startswith("#") and not _PERSONAL_URL.search(ln.url)
            and not any(w.lower().strip(".:") in LINK_WORDS for w in words)
            and not re.search(r"(?i)et al|\b(?:19|20)\d\d\b|^https?:|\.(?:com|org|io|net)\b", ln.text))


def _unknown_name(text: str, registry: NameRegistry) -> bool:
    """A name the registry does not know, also without modifiers such as "English" (those are
    left to the registry search)."""
    first = text.split()[0].lower()
    core = _MODIFIERS.sub("", text + " ").strip()
    return (_ok_name(text) and first not in _NOT_NAMES and not text[0].isdigit() and bool(core)
            and not registry.knows(text) and not registry.knows(core))


def ok_item_name(text: str) -> bool:
    """True when the name a list item starts with may be a dataset's: not a common word, a model,
    an organisation, or a word that begins no name ("Table", "Note"). Two capitalised words are
    a name here, not a person ("Media Rank"): the list announces sources."""
    return _ok_name(text) and text.split()[0].lower() not in _NOT_NAMES


def introduced_name(sentence: str) -> str | None:
    """The name a sentence introduces as its subject ("The Stanford Sentiment Treebank consists
    of ..." introduces "Stanford Sentiment Treebank"), or None."""
    m = _SUBJECT.match(sentence)
    return m.group("name") if m and _ok_name(m.group("name")) else None


def _ok_name(text: str) -> bool:
    key = name_key(text)
    return (len(key) >= 2 and key not in GENERIC and key not in _PLACES_AND_LANGUAGES and not is_model_name(text)
            and not is_organisation(text) and not key.isdigit())


@lru_cache(maxsize=1 << 16)
def _token_key(token: str) -> str:
    """A word's registry key (remembered: the same words recur in every sentence)."""
    return _NON_ALNUM.sub("", token.lower())


def find_mentions(sentence: str, links: tuple[Link, ...], registry: NameRegistry) -> list[Mention]:
    """The mentions of ``sentence`` (``links`` with offsets into it), left to right, none
    overlapping (a link wins over a name inside it; a longer registry name over a shorter)."""
    found: list[Mention] = []
    taken = bytearray(len(sentence) + 1)        # 1 where a mention already is: a test per span, not per mention

    def free(s: int, e: int) -> bool:
        return 1 not in taken[s:e]

    def take(m: Mention) -> None:
        found.append(m)
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)

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
        elif _link_name(ln) and _unknown_name(ln.text, registry) and free(ln.start, ln.end):
            take(Mention(ln.text, ln.start, ln.end, "linkname"))
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
    for s, e in _bracketed_names(sentence):
        text = sentence[s:e]
        out, inner = text[:text.index("(")].strip(), text[text.index("(") + 1:-1]
        # a part the corpus knows is left to the registry search ("... Dataset (SQuAD) v2"); a
        # name known only from the DPI collection is often a copy's, so the name stays as written
        if free(s, e) and _ok_name(text) and not any(registry.origins(name_key(p)) - {"dpi"} for p in (out, inner)):
            take(Mention(text, s, e, "paren"))
    subject = _SUBJECT.match(sentence)
    if subject and free(subject.start("name"), subject.end("name")) and \
            _unknown_name(subject.group("name"), registry):
        take(Mention(subject.group("name"), subject.start("name"), subject.end("name"), "subject"))
    for s, e in _cued_names(sentence):
        text = sentence[s:e]
        if free(s, e) and _unknown_name(text, registry):
            take(Mention(text, s, e, "cued"))
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
    for s, e in tokens:
        ids = registry.acronyms.get(sentence[s:e])
        if ids and free(s, e):
            take(Mention(sentence[s:e], s, e, "registry", next(iter(ids)) if len(ids) == 1 else None,
                         ambiguous=len(ids) > 1))
    for m in _PHRASE.finditer(sentence):
        s, e = m.start(1), m.end(1)
        text = sentence[s:e]
        if free(s, e) and _ok_name(text) and re.search(r"[A-Za-z]{3}", text):
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
