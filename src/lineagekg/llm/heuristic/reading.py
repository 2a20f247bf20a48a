"""One document read sentence by sentence: construction cues found, the sources named after
each cue read, the target decided (a Hub link in the sentence, a dataset the document is about,
the row, list item, lead-in or heading it sits under, or the document's single dataset), and
each claim scored with the paper's rubric."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from lineagekg.documents import Claim, SourceDocument
from lineagekg.llm.heuristic.blocks import Block, Unit, clean_blocks, split_front_matter, units
from lineagekg.llm.heuristic.cues import (
    ANAPHORA,
    CITATION,
    EVALUATION,
    NEUTRAL,
    PROMPT_NOUNS,
    RESPONSES,
    SEED,
    SEPARATOR,
    SPLIT_AFTER,
    SPLIT_BEFORE,
    TRAINING,
    WEB,
    Cue,
    find_cues,
    slot_end,
)
from lineagekg.llm.heuristic.names import ARTIFACT, acceptable_name, is_model_name, name_from_phrase, name_key
from lineagekg.text.markup import MarkupLink as _Link
from lineagekg.text.safety import addresses_the_model


@dataclass
class _Source:
    name: str
    link: _Link | None
    start: int
    end: int
    split: str | None = None


@dataclass
class _About:
    ident: str
    forms: set[str] = field(default_factory=set)      # normalised name forms
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    local: str = ""


class SentenceReader:
    def __init__(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> None:
        self.doc = document
        self.aliases = {k.lower(): v for k, v in aliases.items()}
        # the name part of a known id ("tatsu-lab/alpaca" -> "alpaca") also names it, when unambiguous
        parts: dict[str, set[str]] = {}
        for ident in set(self.aliases.values()):
            local = re.split(r"[/:]", ident)[-1].lower()
            if len(local) >= 3 and not is_model_name(local):
                parts.setdefault(local, set()).add(ident)
        for local, idents in parts.items():
            if len(idents) == 1:
                self.aliases.setdefault(local, next(iter(idents)))
        self.cleaned, self.blocks = clean_blocks(text)
        self.units = units(self.blocks)
        self.abouts = [self._about(a) for a in document.about]
        body = "\n".join(b.text for b in self.blocks if not b.skip)
        self.generates_responses = bool(RESPONSES.search(body))
        self.claims: dict[tuple[str, str], Claim] = {}
        # about datasets linked so far, per list
        self.linked_in_list: dict[int, list[str]] = {}

    # ---- about datasets
    def _about(self, ident: str) -> _About:
        local = re.split(r"[/:]", ident)[-1]
        forms = {ident, local, re.sub(r"\s*\(.*?\)\s*", " ", ident).strip(), re.sub(r"\(.*", "", ident).strip()}
        forms |= {alias for alias, target in self.aliases.items() if target == ident}
        inner = re.findall(r"\(([^()]+)\)", ident)
        forms |= set(inner)
        forms = {f for f in forms if len(name_key(f)) >= 2}
        pats = []
        for f in sorted(forms, key=len, reverse=True):
            words = [re.escape(w) for w in re.split(r"[\s_]+", f.strip()) if w]
            if not words:
                continue
            pats.append(re.compile(r"(?<![\w-])(?:the\s+)?" + r"[\s_-]*".join(words) + r"(?![\w-])", re.IGNORECASE))
        return _About(ident, {name_key(f) for f in forms}, pats, local)

    def _about_named(self, text: str) -> list[tuple[int, str]]:
        found = []
        for a in self.abouts:
            for p in a.patterns:
                m = p.search(text)
                if m:
                    found.append((m.start(), a.ident))
                    break
        return sorted(found)

    def _about_linked(self, links: list[_Link]) -> list[str]:
        out = []
        for ln in links:
            hf = ln.hf_id
            for a in self.abouts:
                if hf and hf.lower() == a.ident.lower() or not hf and a.local and len(a.local) >= 4 and re.search(
                        rf"/{re.escape(a.local)}(?:\.[a-z]+)?(?:$|[/?#])", ln.url, re.IGNORECASE):
                    out.append(a.ident)
        return list(dict.fromkeys(out))

    def _same(self, a: str, b: str) -> bool:
        ka, kb = name_key(a), name_key(b)
        if ka == kb:
            return True
        ra, rb = self.aliases.get(a.lower(), a), self.aliases.get(b.lower(), b)
        if name_key(ra) == name_key(rb):
            return True
        qa, qb = bool(re.search(r"[/:]", ra)), bool(re.search(r"[/:]", rb))
        if qa and qb:
            return False            # two qualified ids: equal only when identical
        la, lb = name_key(re.split(r"[/:]", ra)[-1]), name_key(re.split(r"[/:]", rb)[-1])
        return bool(la) and la == lb

    # ---- sources
    def _slot_sources(self, unit: Unit, cue: Cue) -> tuple[list[_Source], list[_Link]]:
        """Sources named after a cue; also links after the cue that are *not* sources."""
        text = unit.text
        start = cue.slot_start
        end = slot_end(text, start)
        # "including" / "such as": the names after it are the sources when what precedes is generic
        segment = text[start:end]
        incl = re.search(r"(?i)\(?\b(?:including|such as|e\.g\.,?|namely)\s+", segment)
        extra_children: list[_Link] = []
        if incl:
            head = segment[:incl.start()]
            if not self._names_in(unit, start, start + len(head)):
                opened = "(" in segment[incl.start():incl.end()]
                start = start + incl.end()
                close = text.find(")", start) if opened else -1
                end = close if close > 0 else slot_end(text, start)
            else:
                extra_children = [ln for ln in unit.links if start + incl.start() <= ln.start < end]
                end = start + incl.start()
                segment = text[start:end].rstrip(" ,")
                end = start + len(segment)
        # parentheses: drop those with links or pointers; keep short qualifiers
        spans = self._pieces(text, start, end)
        sources: list[_Source] = []
        for s, e in spans:
            src = self._piece_source(unit, s, e)
            if cue.single:
                if src is not None:
                    sources.append(src)
                break
            if src is None:
                if len(text[s:e].split()) > 4:
                    break          # the list of names has ended
                continue
            sources.append(src)
        return sources, extra_children

    def _pieces(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        pieces, depth, s, i = [], 0, start, start
        while i < end:
            ch = text[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(0, depth - 1)
            elif depth == 0:
                m = SEPARATOR.match(text, i)
                if m and m.end() > i and m.end() <= end:
                    pieces.append((s, i))
                    s = i = m.end()
                    continue
            i += 1
        pieces.append((s, end))
        return [(a, b) for a, b in pieces if text[a:b].strip()]

    def _piece_source(self, unit: Unit, s: int, e: int) -> _Source | None:
        text = unit.text
        piece = text[s:e]
        # drop parentheticals that hold links or pointers ("(see here)", "([link](...))")
        for m in list(re.finditer(r"\(([^()]*)\)", piece)):
            inner_links = [ln for ln in unit.links if s + m.start() <= ln.start < s + m.end()]
            if inner_links or re.search(r"(?i)\b(?:see|here|link|e\.g|i\.e|cf)\b", m.group(1)):
                piece = piece[:m.start()] + " " * len(m.group(0)) + piece[m.end():]
        if not piece.strip():
            return None
        links = [ln for ln in unit.links if s <= ln.start < e and piece[ln.start - s:ln.end - s].strip()]
        split = None
        before = text[:s]
        mb = SPLIT_BEFORE.search(before[-60:]) or SPLIT_BEFORE.search(piece[:60])
        ma = SPLIT_AFTER.match(text[e:e + 40]) or SPLIT_AFTER.match(piece.split(" ", 1)[-1] if " " in piece else "")
        mi = re.search(r"(?i)\b(train|training|test|testing|validation|dev)\s+(?:split|set|portion)s?\b", piece)
        if mb:
            split = mb.group(1)
        elif ma:
            split = ma.group(1)
        elif mi:
            split = mi.group(1)
        if split:
            split = {"training": "train", "testing": "test", "dev": "validation", "development": "validation",
                     "eval": "validation"}.get(split.lower(), split.lower())
        if ANAPHORA.match(piece.strip()):
            return _Source("@above", None, s, e, split)
        for ln in links:
            if ln.hf_id and re.search(r"[A-Za-z]", ln.text):
                # a Hub link names the source exactly
                return _Source(ln.hf_id, ln, s, e, split)
        phrase = piece
        if links:
            ln = links[0]
            if (ln.start - s) <= 40:
                phrase = ln.text + piece[ln.end - s:]
        phrase = re.sub(r"^(?:\s*(?:the\s+)?(?:train(?:ing)?|test|validation|dev)\s+(?:split|set)\s+of\s+)", "",
                        phrase, flags=re.IGNORECASE)
        name = name_from_phrase(phrase, self.aliases)
        if not name or not acceptable_name(name, self.aliases):
            return None
        if not links and name.lower() not in self.aliases and re.fullmatch(r"[A-Z][a-z]+", name):
            # one plain capitalised word ("Pakistan", "Dogs") is a dataset only when called one
            at = piece.find(name)
            if at < 0 or not re.match(r"(?i)\s*(?:dataset|data|corpus|benchmark|database|collection|treebank)\b",
                                      piece[at + len(name):]):
                return None
        # a name directly followed by an artifact noun is not a dataset ("the Codex paper")
        tail = piece[piece.find(name.split()[0]) + len(name):] if name.split()[0] in piece else ""
        if ARTIFACT.match(tail.strip().lower()) and not re.match(r"(?i)\s*(?:dataset|data)\b", tail):
            return None
        return _Source(name, links[0] if links else None, s, e, split)

    def _names_in(self, unit: Unit, s: int, e: int) -> list[str]:
        """Dataset names in a span (links and names), used to tell generic heads from named ones."""
        names = []
        for ps, pe in self._pieces(unit.text, s, e):
            src = self._piece_source(unit, ps, pe)
            if src is not None and src.name != "@above":
                names.append(src.name)
        return names

    def _free_names(self, block: Block) -> list[str]:
        """Dataset names anywhere in a block: Hub links, links whose text is a dataset-like name,
        alias-table names."""
        names = []
        for ln in block.links:
            if ln.hf_id:
                names.append(ln.hf_id)
                continue
            name = name_from_phrase(ln.text, self.aliases)
            pointer = re.search(r"(?i)\b(?:here|link|paper|blog)\b", ln.text)
            if name and acceptable_name(name, self.aliases) and not pointer:
                names.append(name)
        for alias in self.aliases:
            if len(alias) >= 4 and re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", block.text, re.IGNORECASE) \
                    and not any(self._same(n, self.aliases[alias]) for n in names):
                names.append(self.aliases[alias])
        return list(dict.fromkeys(names))

    # ---- targets
    def _targets(self, unit: Unit, cue_start: int, sources: list[_Source],
                 not_sources: list[_Link]) -> list[str]:
        src_links = {id(s.link) for s in sources if s.link is not None}

        def usable(cands: list[str]) -> list[str]:
            return [c for c in dict.fromkeys(cands) if not any(self._same(c, s.name) for s in sources)]

        # 1. a Hub dataset link in the sentence that is not a source
        cands = [ln.hf_id for ln in unit.links if ln.hf_id and id(ln) not in src_links
                 and not any(s.link is not None and s.link.hf_id == ln.hf_id for s in sources)]
        cands = [c for c in cands if c is not None]
        about_first = sorted(cands, key=lambda c: not any(a.ident.lower() == c.lower() for a in self.abouts))
        if usable(about_first):
            return usable(about_first)
        # 2. a file of an about dataset linked in the sentence
        if usable(self._about_linked([ln for ln in unit.links if id(ln) not in src_links])):
            return usable(self._about_linked([ln for ln in unit.links if id(ln) not in src_links]))
        # 3. an about dataset named before the cue
        named = [ident for pos, ident in self._about_named(unit.text[:cue_start])]
        if usable(named):
            return usable(named)[-1:]
        # 4. the row / list item the sentence belongs to
        block = unit.block
        if block.kind == "cell":
            row_links = [ln for b in self.blocks if b.row == block.row and b.index != block.index
                         for ln in b.links]
            hf = [ln.hf_id for ln in row_links if ln.hf_id]
            if usable([h for h in hf if h]):
                return usable([h for h in hf if h])[:1]
            if usable(self._about_linked(row_links)):
                return usable(self._about_linked(row_links))[:1]
        if block.kind == "item" and not unit.first:
            head = units([block])[0]
            hf = [ln.hf_id for ln in head.links if ln.hf_id]
            if usable([h for h in hf if h]):
                return usable([h for h in hf if h])[:1]
            if usable(self._about_linked(head.links)):
                return usable(self._about_linked(head.links))[:1]
        # 5. the lead-in paragraph of a list, then the headings above
        if block.lead is not None:
            lead = self.blocks[block.lead]
            found = self._about_linked(lead.links) or [i for _, i in self._about_named(lead.text)]
            if usable(found):
                return usable(found)[:1]
        for title in reversed(block.section):
            found = [i for _, i in self._about_named(title)]
            if usable(found):
                return usable(found)[:1]
        # 6. the document's only dataset
        if len(self.abouts) == 1:
            return usable([self.abouts[0].ident])
        return []

    # ---- claims
    def _add(self, target: str, source: str, relation: str, confidence: float, evidence: str,
             split: str | None) -> None:
        if confidence < 0.5 or self._same(target, source):
            return
        if evidence not in self.cleaned:      # evidence is always a verbatim quote of the cleaned text
            return
        key = (target, name_key(source))
        old = self.claims.get(key)
        if old is None or confidence > old.confidence:
            self.claims[key] = Claim(target=target, source=source, relation=relation,
                                     confidence=round(confidence, 2), evidence=evidence,
                                     document=self.doc.url, source_split=split or (old.source_split if old else None))

    def run(self) -> list[Claim]:
        self._front_matter()
        for unit in self.units:
            block = unit.block
            if block.skip or addresses_the_model(unit.text) or CITATION.match(unit.text):
                continue
            self._trace_unit(unit)
            if block.list_id is not None:
                self.linked_in_list.setdefault(block.list_id, []).extend(self._about_linked(unit.links))
        return sorted(self.claims.values(), key=lambda c: (-c.confidence, c.target, c.source))

    def _trace_unit(self, unit: Unit) -> None:
        text = unit.text
        cues = find_cues(text)
        prose = re.sub(r"\S*[/\\]\S*|\S+\.(?:py|sh|json|jsonl|md|yaml|txt)\b", " ", text)  # not paths
        in_eval = bool(EVALUATION.search(prose))
        training = bool(TRAINING.search(prose))
        for cue in cues:
            if in_eval and not cue.strong:
                continue
            if re.search(r"(?i)\b(?:which|that|who)\s+(?:itself\s+|themselves\s+)?(?:\w+\s+){0,2}$",
                         text[max(0, cue.start - 40):cue.start]):
                continue       # a relative clause about another dataset ("..., which itself was extracted from")
            sources, not_sources = self._slot_sources(unit, cue)
            if not sources:
                continue
            if training and not (cue.single and any(ln.hf_id for ln in unit.links
                                                    if not any(s.link is ln for s in sources))):
                continue
            if cue.needs_dataset:
                sources = [s for s in sources if (s.link is not None and s.link.hf_id)
                           or s.name.lower() in self.aliases
                           or re.match(r"(?i)\s*(?:dataset|data)\b", unit.text[s.end:s.end + 12])]
                if not sources:
                    continue
            relation, conf = cue.relation, cue.confidence
            named = [s for s in sources if s.name != "@above"]
            if cue.noun or cue.verb in ("collected", "gathered", "sourced", "drawn", "taken", "obtained"):
                if len(named) >= 2 and (cue.verb or "").startswith(("collect", "gather", "compil")):
                    relation = "fusedFrom"
                if (cue.noun in PROMPT_NOUNS or cue.verb) and relation in NEUTRAL | {"fusedFrom"} \
                        and self.generates_responses and (cue.noun in PROMPT_NOUNS or mentions_prompts(text)):
                    relation = "distilledFrom"
            targets = self._targets(unit, cue.start, sources, not_sources)
            if not targets:
                continue
            for src in sources:
                names = [src.name]
                c = conf
                rel = relation
                if src.name == "@above":
                    names = [t for t in self.linked_in_list.get(unit.block.list_id or -1, [])]
                    c = min(conf, 0.75)
                    if rel in ("extractedFrom", "includedFrom"):
                        rel = "filteredFrom"
                if src.link is not None and src.link.hf_id:
                    c = min(0.97, c + 0.03)
                for t in targets:
                    for n in names:
                        if n == t:
                            continue
                        self._add(t, n, rel, c, text, src.split)
        self._web_sources(unit, cues, in_eval)
        self._seed(unit, in_eval)
        self._filter_script(unit)

    def _web_sources(self, unit: Unit, cues: list[Cue], in_eval: bool) -> None:
        """'collected from online exam PDFs and discussion forums': a described, non-dataset
        origin of the records (extraction)."""
        if in_eval:
            return
        for cue in cues:
            if cue.verb not in ("collected", "gathered", "sourced", "crawled", "scraped", "extracted",
                                "harvested", "drawn", "taken", "obtained"):
                continue
            rest = unit.text[cue.slot_start:]
            stop = re.search(r"[;:.]|\b(?:which|that|where|using|via|to|for|with|in order|because|since|"
                             r"as|by|so|and then)\b", rest)
            phrase = rest[:stop.start() if stop else len(rest)].strip(" ,")
            phrase = re.sub(r"(?i)^(?:the\s+)?", "", phrase)
            if not WEB.search(phrase) or len(phrase.split()) > 10:
                continue
            if re.search(r"(?i)\b(?:various|diverse|multiple|different|several)\s+(?:sources|resources)\b", phrase):
                continue
            if self._names_in(unit, cue.slot_start, cue.slot_start + len(rest[:stop.start() if stop else len(rest)])):
                continue
            targets = self._targets(unit, cue.start, [_Source(phrase, None, 0, 0)], [])
            for t in targets:
                self._add(t, phrase, "extractedFrom", 0.75, unit.text, None)

    def _seed(self, unit: Unit, in_eval: bool) -> None:
        """Seed tasks: the source is named in the sentence or in the lead-in of its list."""
        if in_eval or not SEED.search(unit.text):
            return
        if not re.search(r"(?i)\bseed\s+(?:tasks?|instructions?|examples?|problems?|questions?|data|"
                         r"prompts?|sets?|pool)\b|\bas\s+seeds?\b|\bseeded\s+(?:from|with|by)\b", unit.text):
            return
        names = [n for n in self._free_names_unit(unit)]
        conf = 0.8
        if not names and unit.block.kind == "item" and unit.block.lead is not None:
            names = self._free_names(self.blocks[unit.block.lead])
            conf = 0.6
        for n in names:
            targets = self._targets(unit, len(unit.text), [_Source(n, None, 0, 0)], [])
            for t in targets:
                self._add(t, n, "seededFrom", conf, unit.text, None)

    def _free_names_unit(self, unit: Unit) -> list[str]:
        fake = Block("para", unit.text, unit.links, unit.block.section, -1)
        return self._free_names(fake)

    def _filter_script(self, unit: Unit) -> None:
        """'NAME: Uploaded here, to recreate see the script at .../filter_name.py': the uploaded
        dataset is a filtered derivative of NAME."""
        block = unit.block
        if block.kind != "item" or not unit.first:
            return
        m = re.match(r"^([^:]{1,40}):\s", unit.text)
        if not m:
            return
        if not re.search(r"(?i)\bfilter\w*|\bonly keep\b|\bwe keep\b|\bremov\w+\b|\bdeduplicat\w*", block.text):
            return
        name = name_from_phrase(m.group(1), self.aliases)
        if not name or not acceptable_name(name, self.aliases):
            return
        children = [ln.hf_id for ln in unit.links if ln.hf_id]
        for child in children:
            if child and not self._same(child, name):
                self._add(child, name, "filteredFrom", 0.65, unit.text, None)

    def _front_matter(self) -> None:
        """Card YAML ``source_datasets`` (``extended|X`` = X extended; ``original`` = none)."""
        raw, _ = split_front_matter(self.doc.text)
        entries: list[str] = []
        meta = self.doc.metadata.get("source_datasets") if self.doc.metadata else None
        if raw:
            try:
                data = yaml.safe_load(raw) or {}
            except yaml.YAMLError:
                data = {}
            if isinstance(data, dict) and data.get("source_datasets"):
                meta = data["source_datasets"]
        if isinstance(meta, str):
            entries = [meta]
        elif isinstance(meta, (list, tuple)):
            entries = [str(x) for x in meta]
        if not entries or not self.doc.about:
            return
        for entry in entries:
            entry = entry.strip()
            if not entry or entry.lower() == "original":
                continue
            extended = entry.lower().startswith("extended|")
            name = entry.split("|", 1)[1] if "|" in entry else entry
            if not name or name.lower() == "original":
                continue
            line = next((ln.strip() for ln in raw.splitlines() if entry in ln), None)
            if line is None or line not in self.cleaned:
                continue
            for t in self.doc.about:
                key = (t, name_key(name))
                if self._same(t, name):
                    continue
                self.claims[key] = Claim(target=t, source=name,
                                         relation="augmentedFrom" if extended else "includedFrom",
                                         confidence=0.95 if extended else 0.9, evidence=line,
                                         document=self.doc.url)


def mentions_prompts(text: str) -> bool:
    return bool(re.search(r"(?i)\b(?:instructions|prompts|problems|questions|queries)\b", text))
