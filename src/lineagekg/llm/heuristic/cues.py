"""Construction cues: the phrases that state how a dataset was built ("a filtered version of",
"sampled from", "a mixture of", ...), each with its relation, confidence and where its source
phrase starts; and the patterns that mark a sentence as evaluation, training or citation context."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    relation: str
    confidence: float
    single: bool           # names one source ("a filtered version of X")
    strong: bool           # structural statement: survives the evaluation-context filter
    slot_start: int        # where the source phrase starts
    noun: str | None = None
    verb: str | None = None
    needs_dataset: bool = False   # the object is usually a model ("distilled from R1")


_VERSION = re.compile(r"\b((?:[\w'-]+\s+){0,2})(?:version|variant|edition|port)\s+of\b", re.IGNORECASE)
_SUBSET = re.compile(r"\b((?:random|small(?:er)?|stratified|large|high-quality|curated|filtered)\s+)?"
                     r"(?:subset|sub-sample|subsample|sample|portion|slice)\s+of\b", re.IGNORECASE)
_AUGMENT = re.compile(r"\b(?:superset\s+of|extension\s+of|extends|extended\s+(?:from|version\s+of)|"
                      r"expanded\s+(?:from|version\s+of)|augment(?:ed|s|ing)?\s+(?:from|version\s+of)|"
                      r"builds?\s+(?:up)?on\s+top\s+of)\b", re.IGNORECASE)
_TRANSLATED_NAMED = re.compile(r"\b(?:machine[- ])?translated\s+(?P<src>[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*){0,2})\s+"
                               r"(?:data|dataset|instructions|prompts|examples|corpus)\b")
_TRANSLATED = re.compile(r"\b(?:machine[- ])?translat(?:ed|ion|ions|ing)\s+(?:from|of)\b", re.IGNORECASE)
_DISTILLED = re.compile(r"\bdistill(?:ed|ation|ing)?\s+(?:\w+\s+){0,2}?(?:from|of)\b", re.IGNORECASE)
_EVOLVED = re.compile(r"\bevolv(?:ed|ing)\s+(?:\w+\s+){0,2}?from\b", re.IGNORECASE)
_REWRITTEN = re.compile(r"\b(?:rewritten|rephrased|paraphrased|reformatted|converted|adapted|reformulated|"
                        r"restructured|re-?formatted)\s+from\b|\bfix(?:es|ed)?\s+to\b", re.IGNORECASE)
_FILTERED = re.compile(r"\b(?:filtered|cleaned|deduplicated|decontaminated|selected|curated|recalled|"
                       r"mined|distilled down)\s+(?:\w+\s+){0,2}?from\b", re.IGNORECASE)
_FUSED_VERB = re.compile(r"\b(?:compiles?|compiled|combines?|combined|merges?|merged|mix(?:es|ed)?|"
                         r"aggregates?|aggregated|unif(?:ies|ied)|consolidat(?:es|ed))\b"
                         r"(?:\s+[\w-]+){0,4}?\s+from\b", re.IGNORECASE)
_FUSED_NOUN = re.compile(r"\b(?:mixture|combination|compilation|aggregation|union|blend)\s+of\b", re.IGNORECASE)
_FROM_VERB = re.compile(r"\b(?P<verb>collect(?:s|ed|ing)?|gather(?:s|ed|ing)?|sourced|drawn|taken|obtained|"
                        r"derived|constructed|created|generated|crawl(?:s|ed|ing)?|scrap(?:es|ed|ing)|"
                        r"extract(?:s|ed|ing)?|built|harvest(?:s|ed|ing)?|comes?|came|"
                        r"originat(?:es|ed|ing))\s+(?:[\w-]+\s+){0,3}?from\b", re.IGNORECASE)
_ARE_FROM = re.compile(r"\b(?P<noun>queries|prompts|problems|questions|instructions|data|samples|examples|"
                       r"conversations|tasks|records)\s+(?:are|were|is|was)\s+(?:all\s+|mainly\s+|mostly\s+|"
                       r"primarily\s+|largely\s+)?(?:taken\s+|drawn\s+|sampled\s+|selected\s+)?from\b", re.IGNORECASE)
_NAMED_RECORDS = re.compile(r"\b(?:with|using|on|of|from)\s+(?:the\s+)?(?P<src>[A-Z][\w.-]*(?:\s+[A-Z0-9][\w.-]*){0,2})"
                            r"\s+(?P<noun>prompts|instructions|questions|problems|queries)\b")
_NOUN_FROM = re.compile(r"\b(?P<noun>instructions|prompts|problems|questions|queries|pages|samples|"
                        r"examples|data|conversations|dialogues|dialogs|tasks|records|documents|"
                        r"instances|pairs|items|exercises|puzzles|tuples|entries|texts|solutions)"
                        r"\s+from\b", re.IGNORECASE)
SEED = re.compile(r"\bseed(?:s|ed)?\b", re.IGNORECASE)
_PLUS = re.compile(r"^\s*(?P<a>[A-Za-z][\w.-]{1,40})\s+\+\s+")

_VERB_STEMS = [
    ("sampl", "subsetOf"), ("select", "filteredFrom"), ("filter", "filteredFrom"),
    ("clean", "filteredFrom"), ("recall", "filteredFrom"), ("retriev", "filteredFrom"),
    ("kept", "filteredFrom"), ("keep", "filteredFrom"), ("mine", "filteredFrom"), ("mining", "filteredFrom"),
    ("translat", "translatedFrom"), ("extract", "extractedFrom"), ("crawl", "extractedFrom"),
    ("scrap", "extractedFrom"), ("includ", "includedFrom"), ("use", "includedFrom"),
    ("using", "includedFrom"), ("take", "includedFrom"), ("took", "includedFrom"),
    ("adopt", "includedFrom"), ("collect", "includedFrom"), ("gather", "includedFrom"),
    ("draw", "includedFrom"), ("source", "includedFrom"), ("leverag", "includedFrom"),
    ("borrow", "includedFrom"), ("reus", "includedFrom"), ("contain", "includedFrom"),
    ("consist", "includedFrom"), ("compris", "includedFrom"), ("decontaminat", "filteredFrom"),
    ("dedup", "filteredFrom"),
]
NEUTRAL = {"includedFrom", "subsetOf"}
PROMPT_NOUNS = {"instructions", "prompts", "problems", "questions", "queries"}

EVALUATION = re.compile(
    r"(?i)\b(?:evaluat(?:e|es|ed|ing|ion)|benchmark(?:s|ed|ing)?|baselines?|outperform\w*|"
    r"compar(?:e|ed|es|ing|ison|able)|pass@\d|accuracy|win[- ]rates?|leaderboard|sota|"
    r"state-of-the-art|held[- ]out|validation sets?|test sets?|surpass\w*|achiev\w*|scores?)\b")
TRAINING = re.compile(r"(?i)\b(?:fine-?tun(?:e|ed|es|ing)|finetun(?:e|ed|es|ing)|train(?:ed|s)?|"
                       r"tuned|initiali[sz]ed)\s+(?:[\w.()-]+\s+){0,5}?on\b|\binitiali[sz]ed\s+(?:by|from|with)\b")
CITATION = re.compile(r"^\s*\[\d+\]")
RESPONSES = re.compile(
    r"(?i)\b(?:generat\w*|query|querying|queried|produc\w*|writ\w*)\b[^.]{0,80}?\b"
    r"(?:responses|completions|solutions|answers|reasoning traces|rationales)\b|"
    r"\b(?:responses|completions|solutions|answers)\b[^.]{0,30}?\b(?:are|were|is|was)\s+"
    r"(?:\w+\s+)?(?:generated|produced|written|sampled)\s+(?:by|with|using|from)\b")
WEB = re.compile(r"(?i)\b(?:forums?|websites?|web ?pages?|pdfs?|textbooks?|exams?|exam papers?|"
                  r"competitions?|olympiads?|the internet|the web|books?|news|articles?|wikis?)\b")
ANAPHORA = re.compile(r"(?i)^(?:the\s+)?(?:above|aforementioned|previous|preceding|former)\b")
SPLIT_BEFORE = re.compile(r"(?i)\b(train|training|test|testing|validation|dev|development|eval)\s+"
                           r"(?:split|set|portion|partition)s?\s+of\s+(?:the\s+)?$")
SPLIT_AFTER = re.compile(r"(?i)^\s*(?:'s\s+)?(?:dataset\s+)?\(?\s*(train|training|test|validation|dev)\s+"
                          r"(?:split|set|portion)\b")
_STOP = re.compile(
    r"(?i)[;:]|\.(?:\s|$)|\s[-–—]+\s|,\s+(?:it|they|we|this|these|there|and then)\b|"
    r"\b(?:which|that|where|whereas|while|focusing|excluding|except|but|namely|because|"
    r"to|for|in order|so that|with|using|via|by|into|because|since|after|before|under|then|"
    r"resulting|leading|yielding|when|if|whose|who|on|at|across|containing|covering|"
    r"consisting|comprising|plus any)\b")
SEPARATOR = re.compile(r"(?i)\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|&|or|\+|as well as|along with|plus)\s+")


def slot_end(text: str, start: int) -> int:
    """Where the source phrase that starts at ``start`` ends (stop words outside parentheses)."""
    rest = text[start:]
    masked = re.sub(r"\([^()]*\)", lambda m: "(" + " " * (len(m.group(0)) - 2) + ")", rest)
    stop = _STOP.search(masked)
    return start + (stop.start() if stop else len(rest))


def find_cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    for m in _VERSION.finditer(text):
        adj = m.group(1).lower()
        if re.search(r"\b(?:final|latest|first|second|third|initial|updated|current|next|older|earlier|"
                     r"previous|new|newer|beta|preview|stable|customi[sz]ed|own|this|that|same|v?\d[\w.]*)\s*$",
                     adj):
            continue      # a release of the same thing, or the reader's own copy
        rel, conf = "rewrittenFrom", 0.8
        for stems, r in ((("filter", "clean", "dedup", "decontam", "curat", "subset", "high-quality"),
                          "filteredFrom"),
                         (("translat", "multilingual"), "translatedFrom"),
                         (("process", "format", "compat", "convert", "binar", "pars", "fix", "correct",
                           "modif", "revis", "standard", "unif", "rewrit", "refin", "chat", "instruct"),
                          "rewrittenFrom"),
                         (("augment", "extend", "expand", "enhanc", "enrich", "larger"), "augmentedFrom"),
                         (("annotat", "label"), "annotatedFrom"),
                         (("distill",), "distilledFrom"),
                         (("sampl", "small", "mini", "lite", "reduc", "short"), "subsetOf")):
            if any(s in adj for s in stems):
                rel, conf = r, 0.92
                break
        cues.append(Cue(m.start(), m.end(), rel, conf, True, True, m.end()))
    for m in _SUBSET.finditer(text):
        rel = "filteredFrom" if m.group(1) and re.search(r"(?i)filter|curat|quality", m.group(1)) else "subsetOf"
        cues.append(Cue(m.start(), m.end(), rel, 0.9, True, True, m.end()))
    for m in _AUGMENT.finditer(text):
        cues.append(Cue(m.start(), m.end(), "augmentedFrom", 0.9, True, True, m.end()))
    for m in _TRANSLATED_NAMED.finditer(text):
        cues.append(Cue(m.start(), m.end(), "translatedFrom", 0.9, True, True, m.start("src")))
    for m in _TRANSLATED.finditer(text):
        cues.append(Cue(m.start(), m.end(), "translatedFrom", 0.9, True, True, m.end()))
    for m in _DISTILLED.finditer(text):
        cues.append(Cue(m.start(), m.end(), "distilledFrom", 0.9, False, False, m.end(), needs_dataset=True))
    for m in _EVOLVED.finditer(text):
        cues.append(Cue(m.start(), m.end(), "evolvedFrom", 0.9, False, False, m.end()))
    for m in _REWRITTEN.finditer(text):
        cues.append(Cue(m.start(), m.end(), "rewrittenFrom", 0.9, True, False, m.end()))
    for m in _FILTERED.finditer(text):
        cues.append(Cue(m.start(), m.end(), "filteredFrom", 0.9, False, False, m.end()))
    for m in _FUSED_VERB.finditer(text):
        cues.append(Cue(m.start(), m.end(), "fusedFrom", 0.9, False, True, m.end()))
    for m in _FUSED_NOUN.finditer(text):
        cues.append(Cue(m.start(), m.end(), "fusedFrom", 0.85, False, False, m.end()))
    for m in _FROM_VERB.finditer(text):
        verb = m.group("verb").lower()
        verb = {"collect": "collected", "collects": "collected", "collecting": "collected",
                "gather": "gathered", "gathers": "gathered", "gathering": "gathered"}.get(verb, verb)
        rel = "extractedFrom" if verb.startswith(("crawl", "scrap", "extract", "harvest")) else "includedFrom"
        if verb == "generated":
            rel = "seededFrom"
        cues.append(Cue(m.start(), m.end(), rel, 0.85, False, False, m.end(), verb=verb))
    for m in _NOUN_FROM.finditer(text):
        noun = m.group("noun").lower()
        window = text[max(0, m.start() - 80):m.start()].lower()
        rel, verb = "includedFrom", None
        best = -1
        for stem, r in _VERB_STEMS:
            for vm in re.finditer(rf"\b{stem}\w*", window):
                if vm.start() > best:
                    best, rel, verb = vm.start(), r, stem
        if re.search(r"\b(?:download\w*|load\w*|fetch\w*|access\w*|get|find|available|see|refer\w*|"
                     r"benefits?|learn\w*|recover\w*)\b", window[-40:]):
            continue
        conf = 0.9 if verb else 0.7
        cues.append(Cue(m.start(), m.end(), rel, conf, False, False, m.end(), noun=noun, verb=verb))
    for m in _ARE_FROM.finditer(text):
        cues.append(Cue(m.start(), m.end(), "includedFrom", 0.85, False, False, m.end(),
                         noun=m.group("noun").lower(), verb="are"))
    for m in _NAMED_RECORDS.finditer(text):
        after = text[m.end():m.end() + 40].lower()
        rel = "translatedFrom" if "translat" in after else "includedFrom"
        cues.append(Cue(m.start("src"), m.end(), rel, 0.8, True, False, m.start("src"),
                         noun=m.group("noun").lower(), verb="named"))
    plus = _PLUS.match(text)
    if plus:
        cues.append(Cue(plus.start("a"), plus.end(), "fusedFrom", 0.85, False, True, plus.start("a")))
    return cues


# --------------------------------------------------------------------------------------------
