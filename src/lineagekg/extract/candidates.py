"""Candidate (target, source) pairs of a document, each with the context features the decision
model scores: the sentence, the lead-in of its list or the header of its table, the heading
path, the words around the mention, the distance to the target's name, and markers of negated,
conditional and quoted statements.

The target of a pair is a dataset the document is about (the corpus index says which): the one
named in the sentence (or by a link's file name), else the one named by the row, lead-in or
nearest heading, else the document's only dataset, else the one its file name names. A sentence
of a document about several datasets that none of these settles gives no pair (counted as "no
target"). A dataset the document is about can be the source of another one it is about. A
dataset the document is not about is a target where the sentence says what it was made from: its
subject ("The 2,359 input sentences of TurkCorpus are a sample of ... from PWKP") or a name a
relative clause describes ("the WikiMatrix corpus, which itself was extracted from Wikipedia").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from lineagekg.documents import SourceDocument
from lineagekg.extract.mentions import LINK_WORDS, Mention, cue_governs, find_mentions, introduced_name, ok_item_name
from lineagekg.extract.names import GENERIC, NameRegistry, name_key
from lineagekg.text.frontmatter import PLACEHOLDER_SOURCES
from lineagekg.text.markdown import Block, Link, parse
from lineagekg.text.safety import statement_markers
from lineagekg.text.sentences import sentence_spans

__all__ = ["MAX_MENTIONS", "Candidate", "DocumentCandidates", "document_candidates"]

#: the most mentions one sentence (list item, table row, config line) may hold to be read
MAX_MENTIONS = 100

#: link texts that name no dataset ("[here](...)", "[paper](...)", "[dataset](...)")
_LINK_WORDS = LINK_WORDS | {"dataset", "datasets", "data", "hub", "hf"}
_CONFIG_LINE = re.compile(r"^[-\s]*[\"']?[\w.-]+[\"']?\s*[:=]|^\s*-\s|huggingface\.co|hf\.co"
                          r"|^[\"'][\w.-]+/[\w.-]+[\"']")
_WORD = re.compile(r"[a-z][a-z'-]*")
_STOP = frozenset("the a an and or of to in on for with is are was were be been this that these those it its as at "
                  "by we our their which".split())


@dataclass(frozen=True)
class Candidate:
    """One (target, mention) pair with its evidence sentence and features."""

    target: str
    mention: Mention
    evidence: str
    block: Block
    features: dict[str, float]
    markers: frozenset[str]
    target_where: str

    @property
    def source(self) -> str:
        return self.mention.name

    @property
    def pair(self) -> tuple[str, str]:
        """The (target, source) pair this mention is evidence for, as names compare: every
        mention of one pair in a document is one decision."""
        return (name_key(self.target) or self.target.lower(), name_key(self.source) or self.source.lower())

    @property
    def blocked(self) -> str | None:
        """Why this pair must never become a claim (negated, conditional, quoted, an
        instruction to a model), or None."""
        bad = sorted(self.markers & {"negated", "conditional", "quoted", "instruction"})
        return bad[0] if bad else None


@dataclass
class DocumentCandidates:
    candidates: list[Candidate] = field(default_factory=list)
    no_target: int = 0              # mentions in sentences whose target could not be settled
    crowded: list[str] = field(default_factory=list)       # sentences skipped: too many names to be a statement
    mentioned: list[str] = field(default_factory=list)     # every name mentioned (for failure analysis)


def _stem(word: str) -> str:
    return word[:6]


def _words(text: str, prefix: str, limit: int = 40) -> dict[str, float]:
    out: dict[str, float] = {}
    for w in _WORD.findall(text.lower())[:limit]:
        if w not in _STOP:
            out[f"{prefix}={_stem(w)}"] = 1.0
    return out


#: word classes of construction, evaluation, training, release, citation and licence language
_CUES = {
    "build": re.compile(r"\b(?:collect|gather|sampl|select|filter|clean|curat|dedup|decontamin|deriv|construct|built|"
                        r"build|creat|generat|synthes|distil|translat|rewrit|rephras|paraphras|convert|adapt|reformat|"
                        r"augment|extend|extension|expan|combin|merg|mix|compil|aggregat|unif|includ|consist|compris|"
                        r"contain|drawn|draw|sourc|taken|obtain|extract|crawl|scrap|mine|mined|mining|seed|subset|"
                        r"version|portion|based|superset|annotat|label|recall|retriev|reus|borrow|leverag|adopt|"
                        r"processed|preprocess|formatted)\w*"),
    "eval": re.compile(r"\b(?:evaluat|benchmark|test|score|accura|outperform|compar|result|leaderboard|pass@|achiev|"
                       r"surpass|sota|perform|baseline)\w*"),
    "train": re.compile(r"\b(?:fine-?tun|finetun|train|sft|rlhf|dpo|checkpoint|model|llm)\w*"),
    "release": re.compile(r"\b(?:releas|download|availabl|upload|hosted|access|find|here|load)\w*"),
    "cite": re.compile(r"\b(?:cite|citation|paper|arxiv|bibtex|et al|proceedings|journal)\w*"),
    "licence": re.compile(r"\b(?:licen[cs]|copyright|terms)\w*"),
    "related": re.compile(r"\b(?:similar|related|like|such as|unlike|compared|inspired|follow)\w*"),
    "tool": re.compile(r"\b(?:format|tool|api|viewer|explorer|atlas|library|script|parser|schema|plugin|interface|"
                       r"search engine|browser|website|platform|toolkit|framework)\w*"),
    "evalset": re.compile(r"\b(?:evaluated on|evaluate on|evaluation (?:set|data|benchmark|suite)|test set|held-out|"
                          r"benchmarks? (?:results?|scores?)|we report|results? on|compared (?:with|to)|"
                          r"outperform\w*|zero-shot|few-shot|leaderboard)"),
}
_METRIC = re.compile(r"(?i)\b(?:acc(?:uracy)?|f1|em|exact match|bleu|rouge[\w-]*|ppl|perplexity|pass@\d+|score|avg|"
                     r"average|win ?rate|elo|mean|norm|maj@\d+|%)(?:\b|$)|\(\s*(?:acc|ppl|em|f1)")
_MODEL_COLUMN = re.compile(r"(?i)^(?:model|models|method|methods|system|systems|baseline|llm|checkpoint)s?\b")
_SCORE_CELL = re.compile(r"^[-+]?\d{1,3}(?:\.\d+)?\s*%?$|^\d+\.\d+$")


@lru_cache(maxsize=1 << 14)
def _cue_classes(text: str) -> tuple[str, ...]:
    """The word classes ``text`` holds (remembered: a lead-in, heading or sentence is asked
    about once per mention under it)."""
    low = text.lower()
    return tuple(name for name, rx in _CUES.items() if rx.search(low))


def _cues(text: str, prefix: str) -> dict[str, float]:
    return {f"{prefix}:{name}": 1.0 for name in _cue_classes(text)}


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for e in edges:
        if n <= e:
            return f"<={e}"
    return f">{edges[-1]}"


def _units(block: Block) -> list[tuple[str, tuple[Link, ...]]]:
    if block.kind in ("paragraph", "item", "heading"):
        spans = sentence_spans(block.text)
    elif block.kind == "code" and not _CONFIG_LINE.search(block.text):
        return []
    else:
        spans = [(0, len(block.text))]
    units = []
    for s, e in spans:
        links = tuple(Link(ln.text, ln.url, ln.start - s, ln.end - s) for ln in block.links
                      if ln.start >= s and ln.end <= e)
        units.append((block.text[s:e], links))
    return units


class _Targets:
    """Which of the document's datasets a piece of text names."""

    def __init__(self, about: tuple[str, ...], registry: NameRegistry, pretty_name: object = None,
                 links: list[Link] | None = None) -> None:
        self.about = about
        self.registry = registry
        self.keys = {t: registry.keys_of(t) for t in about}
        self._named: dict[tuple[str, tuple[Link, ...]], list[str]] = {}
        if isinstance(pretty_name, str) and len(about) == 1 and len(name_key(pretty_name)) >= 3:
            self.keys[about[0]].add(name_key(pretty_name))
        self.local = self._link_names(links or [])

    def _link_names(self, links: list[Link]) -> dict[str, str]:
        """What this document calls its datasets in the text of links to them ("🤗 UltraInteract:
        [SFT](.../UltraInteract_sft), [Preference Learning](.../UltraInteract_pair)"): a heading,
        lead-in or first cell that is exactly such a text names that dataset here (a text two of
        them share names neither)."""
        found: dict[str, set[str]] = {}
        for ln in links:
            ident = (ln.hub_id or "").lower()
            target = next((t for t in self.about if t.lower() == ident), None)
            key = name_key(ln.text)
            if target and len(key) >= 2 and not key.isdigit() and key not in _LINK_WORDS:
                found.setdefault(key, set()).add(target)
        return {k: next(iter(ts)) for k, ts in found.items() if len(ts) == 1}

    def of(self, mention: Mention) -> str | None:
        if mention.ident:
            for t in self.about:
                if t.lower() == mention.ident.lower():
                    return t
        key = name_key(mention.text)
        hits = [t for t, keys in self.keys.items() if key in keys]
        if not hits and mention.kind == "namelike":      # "UltraFeedback-powered"
            hits = [t for t, keys in self.keys.items() if any(len(k) >= 5 and key.startswith(k) for k in keys)]
        return hits[0] if len(hits) == 1 else None

    def in_links(self, links: tuple[Link, ...]) -> list[str]:
        """Targets a link points at by its file name ("data/orz_math_57k_collected.json")."""
        found = []
        for ln in links:
            stem = PurePosixPath(ln.url.split("?")[0].split("#")[0].rstrip("/")).stem
            key = name_key(stem)
            for t, keys in self.keys.items():
                if len(key) >= 5 and key in keys and t not in found:
                    found.append(t)
        return found

    def named_in(self, text: str, links: tuple[Link, ...] = ()) -> list[str]:
        """The targets ``text`` names (remembered: a lead-in or heading is asked about once per
        sentence under it)."""
        if not text:
            return []
        known = self._named.get((text, links))
        if known is None:
            known = self._named[(text, links)] = self._find_named(text, links)
        return list(known)

    def _find_named(self, text: str, links: tuple[Link, ...]) -> list[str]:
        found = []
        for m in find_mentions(text, links, self.registry):
            t = self.of(m)
            if t and t not in found:
                found.append(t)
        found += [t for t in self.in_links(links) if t not in found]
        if not found:
            squashed = name_key(text)
            found = [t for t, keys in self.keys.items() if any(len(k) >= 5 and k in squashed for k in keys)]
        if not found and name_key(text) in self.local:
            found = [self.local[name_key(text)]]
        return found


def _item_head(block: Block) -> tuple[str, tuple[Link, ...]]:
    """The first sentence of a list item with its links: "**[NuminaMath-TIR](...)**: ...
    we selected 70k problems from NuminaMath-CoT" is about the dataset the item starts with."""
    spans = sentence_spans(block.text)
    if len(spans) < 2:
        return "", ()
    s, e = spans[0]
    return block.text[s:e], tuple(Link(ln.text, ln.url, ln.start - s, ln.end - s) for ln in block.links
                                  if ln.start >= s and ln.end <= e)


def _context_targets(block: Block, targets: _Targets, path: str) -> tuple[list[str], str]:
    if block.kind == "row" and block.cells:
        s, e = block.cells[0]
        first = targets.named_in(block.text[s:e])
        if first:
            return first, "row"
    if block.kind == "item":
        head = _item_head(block)
        first = targets.named_in(*head) if head[0] else []
        if first:
            return first, "item"
    lead = targets.named_in(block.lead)
    if lead:
        return lead, "lead"
    for heading in reversed(block.headings):
        named = targets.named_in(heading)
        if named:
            return named, "heading"
    if len(targets.about) == 1:
        return list(targets.about), "default"
    named = targets.named_in(PurePosixPath(path).stem.replace("__", " "))
    if len(named) == 1:
        return named, "file"
    return [], "none"


def _table_features(block: Block, unit: str) -> dict[str, float]:
    """What kind of table a row belongs to: a results table (a model column, metric columns,
    score cells) lists what was evaluated, not what was built from; its header row names
    benchmarks."""
    f: dict[str, float] = {}
    header = block.columns or tuple(unit[s:e] for s, e in block.cells)
    if not block.columns:
        f["row=header"] = 1.0
    if header and _MODEL_COLUMN.match(header[0].strip()):
        f["table=model_column"] = 1.0
    if any(_METRIC.search(h) for h in header):
        f["table=metric_columns"] = 1.0
    if block.columns:
        scores = sum(1 for s, e in block.cells if _SCORE_CELL.match(unit[s:e].strip()))
        f[f"score_cells={_bucket(scores, (0, 1, 3))}"] = 1.0
    return f


#: headings and lead-ins of a source list ("Data sources", "Datasets used", "Composition") and of a
#: list of what was evaluated or cited ("Evaluation", "Benchmarks", "Citation")
_SOURCE_CONTEXT = re.compile(r"(?i)\b(?:sources?|composition|compos\w+|subsets?|components?|mixture|mix|constituents?|"
                             r"origins?|built (?:from|on)|derived|seed|collected|datasets? used|data used|"
                             r"training data|consists? of|includ\w*|comprises?|combin\w*)\b")
_EVAL_CONTEXT = re.compile(r"(?i)\b(?:evaluat\w*|benchmarks?|results?|leaderboard|performance|experiments?|citations?|"
                           r"cite|references?|related|acknowledg\w*|baselines?|comparisons?|models?)\b")
_SOURCE_COLUMN = re.compile(r"(?i)\b(?:sources?|datasets?|origin|subsets?|corpus|corpora|name|task)\b")
_PROPORTION = re.compile(r"(?i)\b(?:proportion|ratio|weight|mix\w*|percent\w*|share|sampling|rate)\b|%")
_NAME_LED = re.compile(r"^\s*(?:\d+\.\s*)?(?:\[[^\]]+\]|[A-Z0-9][\w.+-]*(?:\s+[A-Z0-9][\w.+-]*){0,4})"
                       r"\s*(?:$|[:(\-–—,/])")


def _context_features(block: Block, list_items: int, list_named: int) -> dict[str, float]:
    """What kind of list, table or section a block sits in: source-like or evaluation-like
    words in its heading path and lead-in, how long its list is and how many of its items start
    with a name (a list of names under "Data sources" is a source list), a table's source
    column and proportions (a mix table)."""
    f: dict[str, float] = {}
    path = " ".join(block.headings)
    for where, text in (("hpath", path), ("lead", block.lead)):
        if _SOURCE_CONTEXT.search(text):
            f[f"{where}=source_like"] = 1.0
        if _EVAL_CONTEXT.search(text):
            f[f"{where}=eval_like"] = 1.0
    if block.kind == "item":
        if block.lead.rstrip().endswith(":"):
            # "The X dataset is constructed based on the following datasets:", "Articles were selected
            # from 3 sources:": a lead-in that announces its list
            f["lead=colon"] = 1.0
            for cue in _cue_classes(block.lead):
                f[f"lead=colon&{cue}"] = 1.0
        f[f"list_items={_bucket(list_items, (1, 3, 8))}"] = 1.0
        if list_items >= 2:
            f["list=mostly_names" if list_named * 2 >= list_items else "list=mostly_text"] = 1.0
    if block.kind == "row":
        if any(_PROPORTION.search(h) for h in block.columns) or "%" in block.text:
            f["table=proportion"] = 1.0
        if block.columns and _SOURCE_COLUMN.search(block.columns[0]):
            f["table=source_column"] = 1.0
    return f


def _known(mention: Mention, registry: NameRegistry) -> bool:
    """A mention of a dataset the registry knows (resolved or a name two ids share), from more than
    the Data Provenance Initiative's subset list."""
    if mention.kind == "registry":
        return registry.origins(name_key(mention.text)) - {"dpi"} != set()
    return bool(mention.ident)


def _siblings(blocks: list[Block], found: dict[int, list[list[Mention]]],
              registry: NameRegistry) -> dict[int, tuple[int, int]]:
    """For each list item and table row (by block index): how many OTHER items of its list (rows
    of its table) hold a mention, and how many a mention that resolves to a known dataset. A name
    nobody knows in a list whose other items are known datasets is likely one more of them."""
    out: dict[int, tuple[int, int]] = {}
    run: list[Block] = []

    def close() -> None:
        named = {b.index for b in run if found.get(b.index)}
        known = {b.index for b in run if any(_known(m, registry) for ms in found.get(b.index, ()) for m in ms)}
        for b in run:
            out[b.index] = (len(named) - (b.index in named), len(known) - (b.index in known))
        run.clear()

    def group(b: Block) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
        return (b.kind, b.headings, b.lead, b.columns)

    for block in blocks:
        if run and (block.kind not in ("item", "row") or group(block) != group(run[0])
                    or block.index != run[-1].index + 1):
            close()
        if block.kind in ("item", "row"):
            run.append(block)
    close()
    return out


def _sibling_features(mention: Mention, siblings: tuple[int, int], context: dict[str, float],
                      registry: NameRegistry) -> dict[str, float]:
    named, known = siblings
    f = {f"sib_named={_bucket(named, (0, 1, 3))}": 1.0, f"sib_known={_bucket(known, (0, 1, 3))}": 1.0}
    if known >= 2:
        f["sib_known&" + ("known" if _known(mention, registry) else "unknown")] = 1.0
        if "lead=source_like" in context or "hpath=source_like" in context:
            f["sib_known&source_context"] = 1.0
    return f


def _lists(blocks: list[Block]) -> dict[int, tuple[int, int]]:
    """For each list item (by block index): how many items its list has, and how many of them
    start with a name or a link (items of one list share a lead-in and heading path and follow
    each other)."""
    out: dict[int, tuple[int, int]] = {}
    run: list[Block] = []

    def close() -> None:
        named = sum(1 for b in run if _NAME_LED.match(b.text))
        for b in run:
            out[b.index] = (len(run), named)
        run.clear()

    for block in blocks:
        if run and (block.kind != "item" or (block.lead, block.headings) != (run[0].lead, run[0].headings)):
            close()
        if block.kind == "item":
            run.append(block)
    close()
    return out


def _source_features(mention: Mention, target: str, about: tuple[str, ...], registry: NameRegistry) -> dict[str, float]:
    """What the source is besides its words: another dataset of the same document (a sibling
    more often than a parent), of the target's organisation, a name known only as a DPI
    subset or entry, a name written in lower case."""
    f: dict[str, float] = {}
    ident = (mention.ident or "").lower()
    if ident and any(ident == a.lower() for a in about):
        f["src=document_dataset"] = 1.0
    if "/" in ident and "/" in target and ident.split("/", 1)[0] == target.lower().split("/", 1)[0]:
        f["src=same_org"] = 1.0
    if mention.kind == "registry":
        origins = registry.origins(name_key(mention.text))
        for origin in sorted(origins):
            f[f"origin={origin}"] = 1.0
        if origins == {"dpi"}:
            f["origin=dpi_only"] = 1.0
    if mention.text.islower():
        f["src=lowercase"] = 1.0
    return f


#: characters a mention's context reads on each side, and of the sentence for its first words
_WINDOW = 400
_SENTENCE_WORDS = 2000


@lru_cache(maxsize=1 << 12)
def _word_count(unit: str) -> int:
    """How many words a sentence has (remembered: each of its mentions asks)."""
    return len(_WORD.findall(unit))


def _features(doc: SourceDocument, block: Block, unit: str, mention: Mention, mentions: list[Mention],
              own: list[Mention], where: str, markers: frozenset[str], target: str, about: tuple[str, ...],
              registry: NameRegistry, context: dict[str, float]) -> dict[str, float]:
    f: dict[str, float] = {"bias": 1.0, f"shape={block.shape}": 1.0, f"kind={block.kind}": 1.0,
                           f"mkind={mention.kind}": 1.0, f"where={where}": 1.0, f"doc={doc.kind}": 1.0}
    f.update(context)
    # each mention reads a window around it, never its whole sentence (a sentence of 10^5 characters
    # and a hundred names would cost 10^7 character reads): the words kept are the few nearest ones
    head, tail = unit[max(0, mention.start - _WINDOW):mention.start], unit[mention.end:mention.end + _WINDOW]
    rest = _WORD.findall((head + " " + tail).lower())
    if len(rest) <= 2 and block.kind in ("item", "row", "heading"):
        f["unit=name_only"] = 1.0             # the item or heading is the name (and a link, a number)
    if mention.ident:
        f["resolved"] = 1.0
    f.update(_source_features(mention, target, about, registry))
    if mention.ambiguous:
        f["ambiguous"] = 1.0
    if "/" in mention.name:
        f["hubform"] = 1.0
    for mk in markers:
        f[f"marker={mk}"] = 1.0
    if block.quoted:
        f["blockquote"] = 1.0
    before = head.lower()
    after = tail.lower()
    prev = _WORD.findall(before)[-3:]
    nxt = _WORD.findall(after)[:2]
    for i, w in enumerate(reversed(prev)):
        f[f"p{i + 1}={_stem(w)}"] = 1.0
        f[f"pany={_stem(w)}"] = 1.0
    for i, w in enumerate(nxt):
        f[f"n{i + 1}={_stem(w)}"] = 1.0
    if re.search(r"[(:]\s*$", before):
        f["after_paren_or_colon"] = 1.0
    f.update(_words(unit[:min(mention.start, _SENTENCE_WORDS)] + " " + unit[mention.end:mention.end + _SENTENCE_WORDS],
                    "w"))
    window = " ".join(_WORD.findall(before)[-6:])
    f.update(_cues(window, "cb"))
    f.update(_cues(" ".join(_WORD.findall(after)[:4]), "ca"))
    f.update(_cues(unit, "cs"))
    f.update(_cues(block.lead, "cl"))
    f.update(_cues(" ".join(block.headings[-2:]), "ch"))
    if cue_governs(unit, mention, mentions):
        f["cue_governs"] = 1.0
        f[f"cue_governs&mkind={mention.kind}"] = 1.0      # a name of any shape a construction cue lists
    if re.search(r"\bfrom\b", window):
        f["from_before"] = 1.0
    if re.search(r"\b(?:of|on)\s*$", before):
        f["of_or_on_before"] = 1.0
    f.update(_words(" ".join(block.headings[-2:]), "h", 12))
    f.update(_words(block.lead, "l", 20))
    if block.kind == "row" and block.cells:
        for i, (s, e) in enumerate(block.cells):
            if s <= mention.start < e:
                f[f"cell={min(i, 3)}"] = 1.0
                if i < len(block.columns):
                    f.update(_words(block.columns[i], "col", 6))
                break
        f.update(_table_features(block, unit))
    if block.info:
        f[f"info={block.info[:20]}"] = 1.0
    f[f"nment={_bucket(len(mentions), (1, 2, 4, 8))}"] = 1.0
    f[f"pos={_bucket(mention.start * 10 // max(1, len(unit)), (0, 2, 5, 8))}"] = 1.0
    first = min(mentions, key=lambda m: m.start)
    if first is not mention and first not in own and where != "sentence" and \
            first.start <= _WINDOW and len(_WORD.findall(unit[:first.start])) <= 2 and \
            block.kind in ("paragraph", "item"):
        # "The VisualGenome corpus also contains images from Flickr, originally collected in MS-COCO": the
        # sentence is about another dataset, so what it names comes into that one
        f["subject=other_dataset"] = 1.0
        between = unit[max(first.end, mention.start - _WINDOW):mention.start]
        if re.search(r",\s*(?:which|that|itself|originally)\b", between):
            f["subject=other_dataset&relative"] = 1.0
    if mention.start <= _WINDOW and not unit[:mention.start].strip(" -*:"):
        f["starts_unit"] = 1.0
        if "lead=colon" in context:
            # the item starts with the name, under a lead-in that announces a list of sources
            for cue in ("build", "eval", "licence", "release"):
                if f"lead=colon&{cue}" in context:
                    f[f"lead=colon&{cue}&starts"] = 1.0
                    f[f"lead=colon&{cue}&mkind={mention.kind}"] = 1.0
    if own:
        nearest = min(own, key=lambda t: abs(t.start - mention.start))
        gap = len(_WORD.findall(unit[min(nearest.end, mention.end):max(nearest.start, mention.start)][:_WINDOW]))
        f[f"tdist={_bucket(gap, (2, 5, 10, 20))}"] = 1.0
        f["t_before" if nearest.start < mention.start else "t_after"] = 1.0
    f[f"len={_bucket(_word_count(unit), (5, 12, 25, 45))}"] = 1.0
    return f


_YAML_ENTRY = re.compile(r"^-\s*[\"']?(?:extended\|)?(?:other-)?(?P<name>[^\"']+?)[\"']?\s*$")


def _yaml_sources(line: str, registry: NameRegistry) -> list[Mention]:
    """A card's ``source_datasets`` entry is a statement in structured form: its name is a
    mention whatever it looks like (``original`` and ``other`` name nothing; ``other-X`` names X, a
    dataset not on the Hub)."""
    m = _YAML_ENTRY.match(line)
    if not m or m.group("name").strip().lower() in PLACEHOLDER_SOURCES:
        return []
    name = m.group("name").strip()
    return [Mention(name, m.start("name"), m.start("name") + len(name), "yaml", registry.resolve(name))]


_CONFIG_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)*")


def _config_names(blocks: list[Block], registry: NameRegistry) -> dict[str, str]:
    """The configurations a card describes one by one, each with the name it is known by: a
    heading that is one lower-case identifier ("#### cola", "#### sst2") and recurs (under
    Data Instances, Data Fields, Data Splits), named by the subject of the sentence that first
    describes it ("The Stanford Sentiment Treebank consists of ...") or else by itself when
    that is a dataset's name ("copa", "xnli"; not "en", "plain_text", "v1.0"). A benchmark's
    configurations are often its source datasets."""
    seen: dict[str, int] = {}
    named: dict[str, str] = {}
    for i, block in enumerate(blocks):
        name = block.text.strip()
        if block.kind != "heading" or not _CONFIG_NAME.fullmatch(name) or name_key(name) in GENERIC:
            continue
        seen[name] = seen.get(name, 0) + 1
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        described = introduced_name(following.text) if following and following.kind == "paragraph" else None
        if described and name not in named:
            named[name] = described
    return {name: named.get(name, name) for name, n in seen.items()
            if n >= 2 and len(name) >= 2 and (name in named or registry.knows(name))}


def _config_mentions(block: Block, unit: str, configs: dict[str, str], registry: NameRegistry) -> list[Mention]:
    """A configuration's heading, or the first cell of a table row under it, mentions it by the
    name it is known by."""
    if block.kind == "heading":
        span = (0, len(unit))
    elif block.kind == "row" and block.cells:
        span = block.cells[0]
    else:
        return []
    config = unit[span[0]:span[1]].strip()
    name = configs.get(config)
    if not name:
        return []
    start = unit.index(config, span[0])
    trusted = registry.origins(name_key(name)) - {"dpi"}        # not a DPI subset's copy
    return [Mention(name, start, start + len(config), "config", registry.resolve(name) if trusted else None)]


def _names_part(mention: Mention, config: str, described: str, registry: NameRegistry) -> bool:
    """True when ``mention`` names the configuration itself ("Recognizing Textual Entailment (RTE)"
    under "#### rte", the registry's multi_nli under "#### mnli")."""
    keys = {name_key(mention.text)} | (registry.keys_of(mention.ident) if mention.ident else set())
    own = {name_key(config), name_key(described)}
    return bool(keys & own) or bool(re.search(rf"(?i)\b{re.escape(config)}\b", mention.text)) or \
        any(k and k in key for k in own for key in keys if len(k) >= 5)


#: text before a sentence's subject: "The 2,359 input sentences of TurkCorpus ..."
_SUBJECT_LEAD = re.compile(r"^\W*(?:(?:the|a|an|all|most|each)\s+)?(?:[\w,.'’-]+\s+){0,4}?(?:of|in)\s+(?:the\s+)?$",
                           re.IGNORECASE)
#: a relative clause that says what a name is: "the WikiMatrix corpus, which itself was extracted from ..."
_RELATIVE = re.compile(r"\s*(?:dataset|corpus|benchmark|collection)?\s*(?:\([^()]*\))?\s*,\s*(?:which|that)\b",
                       re.IGNORECASE)
_BUILD = _CUES["build"]
#: the same words in any case, searched in place between two names (no slice, no lower-cased copy per pair)
_BUILD_ANY_CASE = re.compile(_BUILD.pattern, re.IGNORECASE)


def _subject_sources(unit: str, mentions: list[Mention], targets: _Targets) -> list[tuple[Mention, Mention, str]]:
    """(named dataset, source, how) for a dataset the document is not about that the sentence says
    was made from something it names after it: the sentence's subject ("The 2,359 input sentences of
    TurkCorpus are a sample of ... sentences from [PWKP]", "subject") or a name a relative clause
    describes ("the WikiMatrix corpus, which itself was extracted from Wikipedia articles",
    "relative"). Construction words must stand between the two names. Such a name is never a
    default target: the sentence itself names it."""
    out: list[tuple[Mention, Mention, str]] = []
    ordered = sorted(mentions, key=lambda m: m.start)
    for i, named in enumerate(ordered):
        if targets.of(named) or named.kind == "yaml":
            continue
        before = unit[:named.start]
        if i == 0 and (len(_WORD.findall(before)) <= 2 or _SUBJECT_LEAD.match(before)):
            how = "subject"
        elif _RELATIVE.match(unit, named.end):
            how = "relative"
        else:
            continue
        for source in ordered[i + 1:]:
            if name_key(source.name) != name_key(named.name) and not targets.of(source) and \
                    _BUILD_ANY_CASE.search(unit, named.end, source.start):
                out.append((named, source, how))
    return out


#: an item that starts with a name, its citation, then a colon or a dash: "KBP Challenge (Ellis et al., 2014): This
#: resource contains ...", "ImageChat - ImageChat contains ..."
_ITEM_HEAD = re.compile(r"^\s*(?P<name>[A-Z][\w.+'’-]*(?:[ \t]+(?:of[ \t]+)?[A-Z0-9][\w.+'’-]*){0,5})[ \t]*"
                        r"(?:\([^()]*\)[ \t]*)?(?::|[ \t][-–—][ \t])")


def _with_item_head(block: Block, unit: str, mentions: list[Mention]) -> list[Mention]:
    """The name a list item starts with, under a lead-in that announces a list of what the data was
    built from ("Articles were selected from 3 sources:"), as one mention (``itemhead``) in place
    of the shorter ones inside it ("KBP" in "KBP Challenge")."""
    lead = block.lead.rstrip()
    m = _ITEM_HEAD.match(unit)
    if not m or not lead.endswith(":") or not _BUILD.search(lead.lower()):
        return mentions
    s, e = m.span("name")
    name = unit[s:e]
    inside = [x for x in mentions if x.start >= s and x.end <= e]
    if any(x.start == s and x.end == e for x in inside) or any(x.start < e and x.end > s and x not in inside
                                                               for x in mentions):
        return mentions
    if not ok_item_name(name) or re.fullmatch(r"[A-Z][a-z]+", name):      # "Sarcasm:", "Style:": a category
        return mentions
    head = Mention(name, s, e, "itemhead")
    return sorted([x for x in mentions if x not in inside] + [head], key=lambda x: x.start)


_GITHUB_OWNER = re.compile(r"github\.com/([\w.-]+)/", re.IGNORECASE)


def _document_datasets(doc: SourceDocument, blocks: list[Block]) -> tuple[str, ...]:
    """The datasets a document is about: those the corpus index lists, plus the Hub datasets it
    links that belong to the same organisation (one of those datasets', or the GitHub owner of
    the document's repository): a README that releases several datasets links each of them."""
    about = list(doc.about)
    orgs = {a.split("/", 1)[0].lower() for a in about if "/" in a}
    owner = _GITHUB_OWNER.search(doc.url)
    if owner:
        orgs.add(owner.group(1).lower())
    if not orgs:
        return tuple(about)
    known = {a.lower() for a in about}
    for block in blocks:
        for ln in block.links:
            ident = ln.hub_id
            if ident and "/" in ident and ident.split("/", 1)[0].lower() in orgs and ident.lower() not in known:
                known.add(ident.lower())
                about.append(ident)
    return tuple(about)


@dataclass(frozen=True)
class _Sentence:
    """One sentence (list item, table row, config line) with what its candidate pairs share: the
    block's context features and its siblings in a list or table."""

    doc: SourceDocument
    block: Block
    unit: str
    mentions: list[Mention]
    about: tuple[str, ...]
    registry: NameRegistry
    context: dict[str, float]
    siblings: tuple[int, int] | None

    def pair(self, target: str, mention: Mention, own: list[Mention], where: str) -> Candidate:
        """The candidate pair (``target``, ``mention``); ``own`` are the target's mentions in the
        sentence, ``where`` how the target was settled."""
        markers = statement_markers(self.unit, mention.start, mention.end)
        context = self.context if self.siblings is None else \
            self.context | _sibling_features(mention, self.siblings, self.context, self.registry)
        features = _features(self.doc, self.block, self.unit, mention, self.mentions, own, where, markers, target,
                             self.about, self.registry, context)
        return Candidate(target=target, mention=mention, evidence=self.unit, block=self.block, features=features,
                         markers=markers, target_where=where)


def document_candidates(doc: SourceDocument, registry: NameRegistry, text: str | None = None) -> DocumentCandidates:
    """Every candidate pair of ``doc`` (its text, or ``text`` when given)."""
    out = DocumentCandidates()
    parsed = parse(doc.text if text is None else text)
    about = _document_datasets(doc, parsed.blocks)
    if not about:
        return out
    targets = _Targets(about, registry, doc.metadata.get("pretty_name") if doc.metadata else None,
                       [ln for block in parsed.blocks for ln in block.links])
    lists = _lists(parsed.blocks)
    configs = _config_names(parsed.blocks, registry)
    found: dict[int, list[list[Mention]]] = {}
    units: list[tuple[Block, str, tuple[Link, ...], list[Mention]]] = []
    for block in parsed.blocks:
        for unit, links in _units(block):
            mentions = _yaml_sources(unit, registry) if block.info == "source_datasets" else \
                _config_mentions(block, unit, configs, registry) or find_mentions(unit, links, registry)
            if block.kind == "item" and block.text.startswith(unit):
                mentions = _with_item_head(block, unit, mentions)
            if len(mentions) > MAX_MENTIONS:
                # no sentence of the corpus names more than 28 datasets; thousands are an attack on the
                # per-mention context (each mention reads its whole sentence: quadratic time)
                out.crowded.append(f"{len(mentions)} names in {unit[:60]!r}...")
                continue
            if mentions:
                found.setdefault(block.index, []).append(mentions)
                units.append((block, unit, links, mentions))
    siblings = _siblings(parsed.blocks, found, registry)
    contexts: dict[int, dict[str, float]] = {}       # computed for blocks with a mention only
    indexed = {a.lower() for a in doc.about}
    for block, unit, links, mentions in units:
        out.mentioned += [m.name for m in mentions]
        target_mentions = [m for m in mentions if targets.of(m)]
        named = list(dict.fromkeys(t for m in target_mentions if (t := targets.of(m))))
        named += [t for t in targets.in_links(links) if t not in named]
        placed = [(t, "sentence") for t in named]
        if named and len(doc.about) == 1 and not any(t.lower() in indexed for t in named):
            # the sentence names only datasets the document links from its organisation ("We use problems
            # from [OpenMathReasoning](...)"): what it names may be a source of the document's own dataset
            placed.append((doc.about[0], "default"))
        if not named:
            context_named, where = _context_targets(block, targets, doc.path or doc.url)
            placed = [(t, where) for t in context_named]
        elif block.kind == "item":
            # a later sentence of an item that starts with a dataset names another one of the
            # document's datasets: its source, most likely ("we selected 70k problems from X")
            head = _item_head(block)
            if head[0] and head[0] != unit:
                placed += [(t, "item") for t in targets.named_in(*head) if t not in named]
        part = block.headings[-1].strip() if block.headings and block.kind in ("paragraph", "item") else ""
        if part in configs:
            # prose under a configuration's heading is about that part of the dataset too ("#### rte":
            # "the authors combined the data from RTE1, RTE2, ...")
            placed.append((part, "config"))
        subjects = _subject_sources(unit, mentions, targets) if block.kind in ("paragraph", "item") else []
        if not placed and not subjects:
            out.no_target += len(mentions)
            continue
        context = contexts.get(block.index)
        if context is None:
            context = contexts[block.index] = _context_features(block, *lists.get(block.index, (0, 0)))
        sentence = _Sentence(doc, block, unit, mentions, about, registry, context, siblings.get(block.index))
        for subject, mention, how in subjects:
            out.candidates.append(sentence.pair(subject.name, mention, [subject], how))
        for target, where in placed:
            own = [m for m in target_mentions if targets.of(m) == target]
            for mention in mentions:
                if targets.of(mention) == target or name_key(mention.name) == name_key(target) or \
                        (where == "config" and _names_part(mention, target, configs[target], registry)):
                    continue
                out.candidates.append(sentence.pair(target, mention, own, where))
    return out
