"""The offline, deterministic tracing backend: general rules about how dataset documentation
phrases construction ("a filtered version of X", "we sample 10k instructions from X",
"collected from various sources, including X, Y and Z", "X is a superset of Y", ...).

No rule is keyed to a dataset, document or organisation name. The document text is data, never
instructions: a sentence only yields a claim when it states a construction step, and sentences
that address the reader as a model ("ignore your instructions ...") are skipped outright.

Pipeline per document:

1. ``_clean``: drop fenced code, HTML comments, images and badges; turn HTML tables into rows;
   split the rest into blocks (paragraphs, list items, table rows) under their heading path,
   keeping every link (text, URL) with its position. Link syntax and emphasis are reduced to
   their text, so each sentence is verbatim in the cleaned text and, after the same markup
   normalisation (:func:`normalise_markup`), in the original document.
2. ``_Tracer``: per sentence, find construction cues, read the sources named after the cue
   (Hub links, alias-table names, dataset-like names), decide the target (a Hub link in the
   sentence, a dataset the document is about named before the cue, the row / list item / lead-in
   / heading the sentence sits under, or the document's single dataset), and score it with the
   paper's rubric (explicit 0.9+, indirect 0.7-0.9, ambiguous 0.5-0.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from lineagekg.documents import Claim, SourceDocument
from lineagekg.llm.protocol import BackendAnswer
from lineagekg.text.evidence import evidence_in
from lineagekg.text.safety import addresses_the_model
from lineagekg.text.sentences import sentence_spans

PROMPT_VERSION = "heuristic-rules/2"

__all__ = ["PROMPT_VERSION", "HeuristicBackend", "addresses_the_model", "evidence_in", "normalise_markup"]

# --------------------------------------------------------------------------------------------
# markup normalisation (shared by the cleaner and the evidence check)
# --------------------------------------------------------------------------------------------

from lineagekg.text.frontmatter import front_matter_span
from lineagekg.text.markup import _COMMENT, _FENCE, _HF_DATASET, _ws, normalise_markup
from lineagekg.text.markup import MarkupLink as _Link
from lineagekg.text.markup import inline as _inline

# --------------------------------------------------------------------------------------------
# cleaning: blocks and sentence units
# --------------------------------------------------------------------------------------------

@dataclass
class _Block:
    kind: str                       # "para", "item", "cell", "heading"
    text: str
    links: list[_Link]
    section: tuple[str, ...]
    index: int
    row: int | None = None          # table row id (cells of one row share it)
    list_id: int | None = None      # list id (items of one list share it)
    lead: int | None = None         # index of the lead-in block (paragraph or parent item)
    skip: bool = False              # section not about construction


@dataclass
class _Unit:
    text: str
    links: list[_Link]
    block: _Block
    first: bool                     # first sentence of its block


_SKIP_SECTION = re.compile(
    r"citation|cite|licen[cs]e|acknowledg|thank|related work|contact|star history|limitation|"
    r"to ?do|roadmap|example|demo|install|setup|set up|hardware|software|requirement|faq|contribut|"
    r"advertis|hiring|community|discussion|results?\b|performance|leaderboard|plots?\b|visuals|"
    r"hyper-?param|citing|bibtex",
    re.IGNORECASE)

_TABLE_BLOCK = re.compile(r"<table\b.*?</table\s*>", re.DOTALL | re.IGNORECASE)


def _html_table_to_rows(m: re.Match[str]) -> str:
    rows = []
    for row in re.split(r"<tr\b[^>]*>", m.group(0), flags=re.IGNORECASE)[1:]:
        cells = re.split(r"<t[dh]\b[^>]*>", row, flags=re.IGNORECASE)[1:]
        cells = [_ws(re.sub(r"</t[dhr]?\s*>|</table\s*>", " ", c, flags=re.IGNORECASE)) for c in cells]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return "\n" + "\n".join(rows) + "\n"


def _split_front_matter(text: str) -> tuple[str, str]:
    return front_matter_span(text)


def _clean(text: str) -> tuple[str, list[_Block]]:
    """The cleaned text (blocks joined by newlines) and its blocks."""
    _, body = _split_front_matter(text)
    body = _COMMENT.sub("", body)
    # fenced code
    lines, kept, fence = body.splitlines(), [], None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            continue
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]).strip():
                fence = None
            continue
        kept.append(line)
    body = "\n".join(kept)
    body = _TABLE_BLOCK.sub(_html_table_to_rows, body)

    blocks: list[_Block] = []
    section: list[tuple[int, str]] = []
    para: list[str] = []
    item: list[str] | None = None
    item_indent = 0
    list_stack: list[tuple[int, int]] = []      # (indent, block index of the item)
    list_id = 0
    in_list = False
    row_id = 0
    last_para: int | None = None

    def heading_path() -> tuple[str, ...]:
        return tuple(t for _, t in section)

    def emit(kind: str, raw: str, **kw) -> _Block | None:
        plain, links = _inline(raw)
        # collapse whitespace while keeping link offsets right
        plain2, links2 = _collapse(plain, links)
        if not plain2:
            return None
        b = _Block(kind, plain2, links2, heading_path(), len(blocks), **kw)
        b.skip = any(_SKIP_SECTION.search(t) for t in b.section)
        blocks.append(b)
        return b

    def flush_para() -> None:
        nonlocal para, last_para
        if para:
            b = emit("para", " ".join(para))
            last_para = b.index if b else last_para
            para = []

    def flush_item() -> None:
        nonlocal item
        if item is not None:
            lead = None
            for ind, idx in reversed(list_stack[:-1]):
                if ind < item_indent:
                    lead = idx
                    break
            if lead is None:
                lead = list_lead
            b = emit("item", " ".join(item), list_id=list_id, lead=lead)
            if b is not None:
                list_stack[-1] = (item_indent, b.index)
            else:
                list_stack.pop()
            item = None

    list_lead: int | None = None
    blank = False
    for line in body.splitlines():
        stripped = line.strip()
        head = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        list_m = re.match(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$", line)
        if head:
            flush_para()
            flush_item()
            in_list = False
            level = len(head.group(1))
            while section and section[-1][0] >= level:
                section.pop()
            title = _ws(_inline(head.group(2))[0])
            section.append((level, title))
            last_para = None
            continue
        if not stripped or not _ws(_inline(stripped)[0]):
            flush_para()
            blank = True
            continue
        if stripped.startswith("|"):
            flush_para()
            flush_item()
            in_list = False
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            row_id += 1
            for c in cells:
                if c:
                    emit("cell", c, row=row_id)
            continue
        if list_m and not re.fullmatch(r"[-*_]{3,}", stripped):
            flush_para()
            flush_item()
            indent = len(list_m.group(1).expandtabs(4))
            if not in_list:
                list_id += 1
                list_stack = []
                list_lead = last_para
                in_list = True
            while list_stack and list_stack[-1][0] >= indent:
                list_stack.pop()
            list_stack.append((indent, -1))
            item, item_indent = [list_m.group(3)], indent
            blank = False
            continue
        if re.fullmatch(r"[-*_=]{3,}", stripped):
            flush_para()
            flush_item()
            in_list = False
            continue
        content = re.sub(r"^>\s?", "", stripped)
        indented = line.startswith((" ", "\t"))
        if item is not None and (indented or not blank):
            item.append(content)
            blank = False
            continue
        blank = False
        flush_item()
        if in_list and not indented:
            in_list = False
        para.append(content)
    flush_para()
    flush_item()
    front, _ = _split_front_matter(text)
    cleaned = "\n".join(b.text for b in blocks)
    if front:
        cleaned = f"---{front}\n---\n{cleaned}"     # card YAML is data, not markup: kept as is
    return cleaned, blocks


def _collapse(text: str, links: list[_Link]) -> tuple[str, list[_Link]]:
    """Collapse whitespace (strip ends) and shift link offsets accordingly."""
    out = []
    mapping = []
    prev_space = True
    for ch in text:
        if ch.isspace():
            if prev_space:
                mapping.append(len(out))
                continue
            out.append(" ")
            prev_space = True
        else:
            out.append(ch)
            prev_space = False
        mapping.append(len(out) - 1)
    mapping.append(len(out))
    s = "".join(out).rstrip()
    new_links = []
    for ln in links:
        a = mapping[ln.start] if ln.start < len(mapping) else len(s)
        b = mapping[ln.end - 1] + 1 if ln.end - 1 < len(mapping) else len(s)
        a, b = min(a, len(s)), min(b, len(s))
        if b > a:
            new_links.append(_Link(ln.text, ln.url, a, b))
    return s, new_links


def _units(blocks: list[_Block]) -> list[_Unit]:
    units = []
    for b in blocks:
        for i, (s, e) in enumerate(sentence_spans(b.text)):
            links = [_Link(ln.text, ln.url, ln.start - s, ln.end - s) for ln in b.links
                     if ln.start >= s and ln.end <= e]
            units.append(_Unit(b.text[s:e], links, b, i == 0))
    return units


# --------------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------------

def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


# model names: a family prefix or a parameter-size suffix (7B, 13b, 1.5B, 560m)
_MODEL = re.compile(
    r"(?i)^(?:gpt|chatgpt|claude|gemini|palm|llama|mistral|mixtral|qwen|deepseek|falcon|vicuna|"
    r"bloom|mt0|mt5|t5|flan-t5|starcoder|starchat|codellama|code llama|gemma|pythia|mpt|bard|"
    r"text-davinci|davinci|codex|codegeex|santacoder|phi-\d|opt-\d|yi-\d|internlm|baichuan|chatglm|"
    r"olmo|granite|command-r|ernie)|(?:^|[\s_-])\d+(?:\.\d+)?[bBmM](?:$|[\s_-])")
_ORG = {
    "openai", "google", "meta", "microsoft", "anthropic", "nvidia", "huggingface", "hugging face",
    "stanford", "databricks", "bigscience", "bigcode", "allenai", "ai2", "deepmind", "alibaba",
    "tsinghua", "berkeley", "mit", "cmu", "eleutherai", "laion", "argilla", "cohere", "apple",
    "amazon", "ibm", "baidu", "tencent", "bytedance", "mosaicml", "together", "lmsys", "salesforce",
    "facebook", "fair", "google research", "deepseek", "mistral ai", "qwen team", "stepfun",
}
_PLATFORM = {"github", "kaggle", "arxiv", "reddit", "twitter", "youtube", "discord", "bigquery", "gcp",
             "hf", "hub", "hugging face hub", "colab", "slurm", "notion", "wechat", "x", "mechanical turk",
             "mturk", "amt", "crowdworkers", "prolific", "upwork", "scale ai", "license", "readme"}
_LANG = re.compile(r"(?i)^(?:english|chinese|french|german|spanish|japanese|korean|russian|arabic|"
                   r"portuguese|italian|hindi|multilingual|bilingual|monolingual|british|american|european|indian)"
                   r"(?:-only)?$")
_GENERIC = {
    "data", "dataset", "datasets", "sources", "source", "resources", "tasks", "task", "languages",
    "models", "model", "samples", "examples", "prompts", "instructions", "questions", "problems",
    "scratch", "synthetic data", "cot", "this", "these", "those", "that", "it", "them", "each", "all",
    "our", "we", "the", "a", "an", "other", "others", "which", "here", "there", "above", "below",
    "step", "steps", "stage", "paper", "repo", "repository", "script", "code", "api", "web",
    "internet", "the web", "the internet", "humans", "human", "annotators", "users", "llms", "llm",
    "first", "second", "third", "final", "original", "new", "several", "various", "multiple",
}
_ARTIFACT = re.compile(r"(?i)\b(?:paper|papers|repo|repository|code|codebase|model|models|blog|"
                       r"script|scripts|library|framework|method|technique|techniques|approach|recipe|"
                       r"pipeline|prompt|template|templates|subset|subsets|split|splits|portion|"
                       r"category|categories|checkpoint|checkpoints|weights|tokenizer|license|config|configs|file|files|"
                       r"series|family|project|team|group|lab|website|page|leaderboard|format|output|outputs|task|tasks|"
                       r"language|languages|pair|pairs)\b")
_TRAILING_GENERIC = re.compile(r"(?i)(?:\s+(?:dataset|datasets|data|benchmark|corpus|set))+$")
_DETERMINER = re.compile(
    r"(?i)^(?:(?:the|a|an|all|our|their|its|his|her|some|several|both|each|every|only|also|"
    r"approximately|about|around|roughly|nearly|over|up to|~|randomly|mainly|mostly|primarily|"
    r"largely|partly|partially|full|entire|whole|publicly available|public|open-source|open source|"
    r"existing|original|popular|high-quality|human-written|human-generated|curated|"
    r"\d[\d,.]*\s*[kKmMbB]?|\d[\d,.]*%)\s+)+")


def _is_model(name: str) -> bool:
    return bool(_MODEL.search(name.strip()))


def _name_from_phrase(phrase: str, aliases: dict[str, str]) -> str | None:
    """A dataset name read from the start of a phrase ("the UltraChat dataset" -> "UltraChat"),
    or None when the phrase does not start with one."""
    p = phrase.strip().strip(",;:.").strip()
    p = re.sub(r"^[\"'“”‘’]+|[\"'“”‘’]+$", "", p)
    if " from " in f" {p} ":
        p = re.split(r"\bfrom\s+", p)[-1]
    keep_the = re.match(r"^The\s+[A-Z]", p)     # "The Stack", "The Pile": part of the name
    p = _DETERMINER.sub("", p).strip()
    if keep_the and not p.startswith("The "):
        p = "The " + p
    p = re.sub(r"^[\"'“”‘’]+", "", p)
    if not p:
        return None
    # possessive or leading organisation: "OpenAI's HumanEval", "Stanford Alpaca"
    m = re.match(r"^([A-Z][\w.&-]*(?:\s[A-Z][\w.&-]*)?)(?:'s|’s|'|’)\s+(.+)$", p)
    if m:
        p = m.group(2)
    words = p.split()
    if len(words) > 1 and words[0].lower() in _ORG and (len(words) == 2 or not re.match(r"^[A-Z]", words[2])):
        p = " ".join(words[1:])
    if p.lower() in aliases:
        return p
    # "the humaneval-x dataset": a lower-case id-like token named as a dataset
    m = re.match(r"^([a-z][\w.-]*[-_.\d][\w.-]*)\s+(?:dataset|data|corpus|benchmark)\b", p)
    if m:
        return m.group(1)
    tokens = re.findall(r"\S+", p)
    run: list[str] = []
    for i, tok in enumerate(tokens):
        clean_tok = tok.rstrip(",;:.")
        if clean_tok.startswith("(") and run:
            # a qualifier right after the name: "AIME (up to 2023)"; an acronym: "... Dataset (SQuAD)"
            rest = " ".join(tokens[i:])
            acro = re.match(r"^\(([A-Za-z][\w-]*[A-Z][\w-]*)\)", rest)
            if acro and len(run) >= 2 and sum(ch.isupper() for ch in acro.group(1)) >= 2:
                run = [acro.group(1)]
                break
            q = re.match(r"^\(([^()]{1,30})\)", rest)
            if q and re.search(r"\d", q.group(1)) and not re.search(r"(?i)\bsee\b|here|link", q.group(1)):
                run.append(f"({q.group(1)})")
            break
        if re.search(r"[A-Z0-9]", clean_tok) and re.match(r"^[\w\"'][\w.+/&'-]*$", clean_tok):
            run.append(clean_tok)
            if clean_tok != tok:
                break
            continue
        break
    if not run or len([r for r in run if not r.startswith("(")]) > 3:
        return None               # nothing, or a title ("Red Teaming Language Models to ...")
    name = " ".join(run).strip("\"'")
    # a trailing lower-case head noun that belongs to the name ("Numina-Math collection")
    after = p[len(" ".join(tokens[:len([r for r in run if not r.startswith('(')])])):].strip()
    m = re.match(r"^(collection|corpus|mix|mixture)\b", after)
    if m and not name.endswith(")"):
        name = f"{name} {m.group(1)}"
    return name


def _acceptable(name: str, aliases: dict[str, str]) -> bool:
    low = name.lower().strip()
    if not low or len(_key(low)) < 2:
        return False
    if low in aliases:
        return not _is_model(name) or "/" in name
    base = _TRAILING_GENERIC.sub("", low)
    if base in _GENERIC or base in _ORG or base in _PLATFORM or low in _GENERIC:
        return False
    if _LANG.match(base):
        return False
    if _is_model(name):
        return False
    if re.fullmatch(r"[\d.,%kmb\s-]+", low):
        return False
    if re.fullmatch(r"(?i)(?:table|figure|fig|section|appendix|step|stage|part|chapter)\s*\d*", low):
        return False
    return "/" not in name or bool(re.fullmatch(r"[\w.-]+/[\w.-]+", name))


# --------------------------------------------------------------------------------------------
# cues
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cue:
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
_SEED = re.compile(r"\bseed(?:s|ed)?\b", re.IGNORECASE)
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
_NEUTRAL = {"includedFrom", "subsetOf"}
_PROMPT_NOUNS = {"instructions", "prompts", "problems", "questions", "queries"}

_EVAL = re.compile(
    r"(?i)\b(?:evaluat(?:e|es|ed|ing|ion)|benchmark(?:s|ed|ing)?|baselines?|outperform\w*|"
    r"compar(?:e|ed|es|ing|ison|able)|pass@\d|accuracy|win[- ]rates?|leaderboard|sota|"
    r"state-of-the-art|held[- ]out|validation sets?|test sets?|surpass\w*|achiev\w*|scores?)\b")
_TRAINING = re.compile(r"(?i)\b(?:fine-?tun(?:e|ed|es|ing)|finetun(?:e|ed|es|ing)|train(?:ed|s)?|"
                       r"tuned|initiali[sz]ed)\s+(?:[\w.()-]+\s+){0,5}?on\b|\binitiali[sz]ed\s+(?:by|from|with)\b")
_CITATION = re.compile(r"^\s*\[\d+\]")
_RESPONSES = re.compile(
    r"(?i)\b(?:generat\w*|query|querying|queried|produc\w*|writ\w*)\b[^.]{0,80}?\b"
    r"(?:responses|completions|solutions|answers|reasoning traces|rationales)\b|"
    r"\b(?:responses|completions|solutions|answers)\b[^.]{0,30}?\b(?:are|were|is|was)\s+"
    r"(?:\w+\s+)?(?:generated|produced|written|sampled)\s+(?:by|with|using|from)\b")
_WEB = re.compile(r"(?i)\b(?:forums?|websites?|web ?pages?|pdfs?|textbooks?|exams?|exam papers?|"
                  r"competitions?|olympiads?|the internet|the web|books?|news|articles?|wikis?)\b")
_ANAPHORA = re.compile(r"(?i)^(?:the\s+)?(?:above|aforementioned|previous|preceding|former)\b")
_SPLIT_BEFORE = re.compile(r"(?i)\b(train|training|test|testing|validation|dev|development|eval)\s+"
                           r"(?:split|set|portion|partition)s?\s+of\s+(?:the\s+)?$")
_SPLIT_AFTER = re.compile(r"(?i)^\s*(?:'s\s+)?(?:dataset\s+)?\(?\s*(train|training|test|validation|dev)\s+"
                          r"(?:split|set|portion)\b")
_STOP = re.compile(
    r"(?i)[;:]|\.(?:\s|$)|\s[-–—]+\s|,\s+(?:it|they|we|this|these|there|and then)\b|"
    r"\b(?:which|that|where|whereas|while|focusing|excluding|except|but|namely|because|"
    r"to|for|in order|so that|with|using|via|by|into|because|since|after|before|under|then|"
    r"resulting|leading|yielding|when|if|whose|who|on|at|across|containing|covering|"
    r"consisting|comprising|plus any)\b")
_SEPARATOR = re.compile(r"(?i)\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|&|or|\+|as well as|along with|plus)\s+")


def _slot_end(text: str, start: int) -> int:
    """Where the source phrase that starts at ``start`` ends (stop words outside parentheses)."""
    rest = text[start:]
    masked = re.sub(r"\([^()]*\)", lambda m: "(" + " " * (len(m.group(0)) - 2) + ")", rest)
    stop = _STOP.search(masked)
    return start + (stop.start() if stop else len(rest))


def _find_cues(text: str) -> list[_Cue]:
    cues: list[_Cue] = []
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
        cues.append(_Cue(m.start(), m.end(), rel, conf, True, True, m.end()))
    for m in _SUBSET.finditer(text):
        rel = "filteredFrom" if m.group(1) and re.search(r"(?i)filter|curat|quality", m.group(1)) else "subsetOf"
        cues.append(_Cue(m.start(), m.end(), rel, 0.9, True, True, m.end()))
    for m in _AUGMENT.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "augmentedFrom", 0.9, True, True, m.end()))
    for m in _TRANSLATED_NAMED.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "translatedFrom", 0.9, True, True, m.start("src")))
    for m in _TRANSLATED.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "translatedFrom", 0.9, True, True, m.end()))
    for m in _DISTILLED.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "distilledFrom", 0.9, False, False, m.end(), needs_dataset=True))
    for m in _EVOLVED.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "evolvedFrom", 0.9, False, False, m.end()))
    for m in _REWRITTEN.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "rewrittenFrom", 0.9, True, False, m.end()))
    for m in _FILTERED.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "filteredFrom", 0.9, False, False, m.end()))
    for m in _FUSED_VERB.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "fusedFrom", 0.9, False, True, m.end()))
    for m in _FUSED_NOUN.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "fusedFrom", 0.85, False, False, m.end()))
    for m in _FROM_VERB.finditer(text):
        verb = m.group("verb").lower()
        verb = {"collect": "collected", "collects": "collected", "collecting": "collected",
                "gather": "gathered", "gathers": "gathered", "gathering": "gathered"}.get(verb, verb)
        rel = "extractedFrom" if verb.startswith(("crawl", "scrap", "extract", "harvest")) else "includedFrom"
        if verb == "generated":
            rel = "seededFrom"
        cues.append(_Cue(m.start(), m.end(), rel, 0.85, False, False, m.end(), verb=verb))
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
        cues.append(_Cue(m.start(), m.end(), rel, conf, False, False, m.end(), noun=noun, verb=verb))
    for m in _ARE_FROM.finditer(text):
        cues.append(_Cue(m.start(), m.end(), "includedFrom", 0.85, False, False, m.end(),
                         noun=m.group("noun").lower(), verb="are"))
    for m in _NAMED_RECORDS.finditer(text):
        after = text[m.end():m.end() + 40].lower()
        rel = "translatedFrom" if "translat" in after else "includedFrom"
        cues.append(_Cue(m.start("src"), m.end(), rel, 0.8, True, False, m.start("src"),
                         noun=m.group("noun").lower(), verb="named"))
    m = _PLUS.match(text)
    if m:
        cues.append(_Cue(m.start("a"), m.end(), "fusedFrom", 0.85, False, True, m.start("a")))
    return cues


# --------------------------------------------------------------------------------------------
# the tracer
# --------------------------------------------------------------------------------------------

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


class _Tracer:
    def __init__(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> None:
        self.doc = document
        self.aliases = {k.lower(): v for k, v in aliases.items()}
        # the name part of a known id ("tatsu-lab/alpaca" -> "alpaca") also names it, when unambiguous
        parts: dict[str, set[str]] = {}
        for ident in set(self.aliases.values()):
            local = re.split(r"[/:]", ident)[-1].lower()
            if len(local) >= 3 and not _is_model(local):
                parts.setdefault(local, set()).add(ident)
        for local, idents in parts.items():
            if len(idents) == 1:
                self.aliases.setdefault(local, next(iter(idents)))
        self.cleaned, self.blocks = _clean(text)
        self.units = _units(self.blocks)
        self.abouts = [self._about(a) for a in document.about]
        body = "\n".join(b.text for b in self.blocks if not b.skip)
        self.generates_responses = bool(_RESPONSES.search(body))
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
        forms = {f for f in forms if len(_key(f)) >= 2}
        pats = []
        for f in sorted(forms, key=len, reverse=True):
            words = [re.escape(w) for w in re.split(r"[\s_]+", f.strip()) if w]
            if not words:
                continue
            pats.append(re.compile(r"(?<![\w-])(?:the\s+)?" + r"[\s_-]*".join(words) + r"(?![\w-])", re.IGNORECASE))
        return _About(ident, {_key(f) for f in forms}, pats, local)

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
        ka, kb = _key(a), _key(b)
        if ka == kb:
            return True
        ra, rb = self.aliases.get(a.lower(), a), self.aliases.get(b.lower(), b)
        if _key(ra) == _key(rb):
            return True
        qa, qb = bool(re.search(r"[/:]", ra)), bool(re.search(r"[/:]", rb))
        if qa and qb:
            return False            # two qualified ids: equal only when identical
        la, lb = _key(re.split(r"[/:]", ra)[-1]), _key(re.split(r"[/:]", rb)[-1])
        return bool(la) and la == lb

    # ---- sources
    def _slot_sources(self, unit: _Unit, cue: _Cue) -> tuple[list[_Source], list[_Link]]:
        """Sources named after a cue; also links after the cue that are *not* sources."""
        text = unit.text
        start = cue.slot_start
        end = _slot_end(text, start)
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
                end = close if close > 0 else _slot_end(text, start)
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
                m = _SEPARATOR.match(text, i)
                if m and m.end() > i and m.end() <= end:
                    pieces.append((s, i))
                    s = i = m.end()
                    continue
            i += 1
        pieces.append((s, end))
        return [(a, b) for a, b in pieces if text[a:b].strip()]

    def _piece_source(self, unit: _Unit, s: int, e: int) -> _Source | None:
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
        mb = _SPLIT_BEFORE.search(before[-60:]) or _SPLIT_BEFORE.search(piece[:60])
        ma = _SPLIT_AFTER.match(text[e:e + 40]) or _SPLIT_AFTER.match(piece.split(" ", 1)[-1] if " " in piece else "")
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
        if _ANAPHORA.match(piece.strip()):
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
        name = _name_from_phrase(phrase, self.aliases)
        if not name or not _acceptable(name, self.aliases):
            return None
        if not links and name.lower() not in self.aliases and re.fullmatch(r"[A-Z][a-z]+", name):
            # one plain capitalised word ("Pakistan", "Dogs") is a dataset only when called one
            at = piece.find(name)
            if at < 0 or not re.match(r"(?i)\s*(?:dataset|data|corpus|benchmark|database|collection|treebank)\b",
                                      piece[at + len(name):]):
                return None
        # a name directly followed by an artifact noun is not a dataset ("the Codex paper")
        tail = piece[piece.find(name.split()[0]) + len(name):] if name.split()[0] in piece else ""
        if _ARTIFACT.match(tail.strip().lower()) and not re.match(r"(?i)\s*(?:dataset|data)\b", tail):
            return None
        return _Source(name, links[0] if links else None, s, e, split)

    def _names_in(self, unit: _Unit, s: int, e: int) -> list[str]:
        """Dataset names in a span (links and names), used to tell generic heads from named ones."""
        names = []
        for ps, pe in self._pieces(unit.text, s, e):
            src = self._piece_source(unit, ps, pe)
            if src is not None and src.name != "@above":
                names.append(src.name)
        return names

    def _free_names(self, block: _Block) -> list[str]:
        """Dataset names anywhere in a block: Hub links, links whose text is a dataset-like name,
        alias-table names."""
        names = []
        for ln in block.links:
            if ln.hf_id:
                names.append(ln.hf_id)
                continue
            name = _name_from_phrase(ln.text, self.aliases)
            if name and _acceptable(name, self.aliases) and not re.search(r"(?i)\b(?:here|link|paper|blog)\b", ln.text):
                names.append(name)
        for alias in self.aliases:
            if len(alias) >= 4 and re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", block.text, re.IGNORECASE) \
                    and not any(self._same(n, self.aliases[alias]) for n in names):
                names.append(self.aliases[alias])
        return list(dict.fromkeys(names))

    # ---- targets
    def _targets(self, unit: _Unit, cue_start: int, sources: list[_Source],
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
            head = _units([block])[0]
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
        key = (target, _key(source))
        old = self.claims.get(key)
        if old is None or confidence > old.confidence:
            self.claims[key] = Claim(target=target, source=source, relation=relation,
                                     confidence=round(confidence, 2), evidence=evidence,
                                     document=self.doc.url, source_split=split or (old.source_split if old else None))

    def run(self) -> list[Claim]:
        self._front_matter()
        for unit in self.units:
            block = unit.block
            if block.skip or addresses_the_model(unit.text) or _CITATION.match(unit.text):
                continue
            self._trace_unit(unit)
            if block.list_id is not None:
                self.linked_in_list.setdefault(block.list_id, []).extend(self._about_linked(unit.links))
        return sorted(self.claims.values(), key=lambda c: (-c.confidence, c.target, c.source))

    def _trace_unit(self, unit: _Unit) -> None:
        text = unit.text
        cues = _find_cues(text)
        prose = re.sub(r"\S*[/\\]\S*|\S+\.(?:py|sh|json|jsonl|md|yaml|txt)\b", " ", text)  # not paths
        in_eval = bool(_EVAL.search(prose))
        training = bool(_TRAINING.search(prose))
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
                if (cue.noun in _PROMPT_NOUNS or cue.verb) and relation in _NEUTRAL | {"fusedFrom"} \
                        and self.generates_responses and (cue.noun in _PROMPT_NOUNS or _mentions_prompts(text)):
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

    def _web_sources(self, unit: _Unit, cues: list[_Cue], in_eval: bool) -> None:
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
            if not _WEB.search(phrase) or len(phrase.split()) > 10:
                continue
            if re.search(r"(?i)\b(?:various|diverse|multiple|different|several)\s+(?:sources|resources)\b", phrase):
                continue
            if self._names_in(unit, cue.slot_start, cue.slot_start + len(rest[:stop.start() if stop else len(rest)])):
                continue
            targets = self._targets(unit, cue.start, [_Source(phrase, None, 0, 0)], [])
            for t in targets:
                self._add(t, phrase, "extractedFrom", 0.75, unit.text, None)

    def _seed(self, unit: _Unit, in_eval: bool) -> None:
        """Seed tasks: the source is named in the sentence or in the lead-in of its list."""
        if in_eval or not _SEED.search(unit.text):
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

    def _free_names_unit(self, unit: _Unit) -> list[str]:
        fake = _Block("para", unit.text, unit.links, unit.block.section, -1)
        return self._free_names(fake)

    def _filter_script(self, unit: _Unit) -> None:
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
        name = _name_from_phrase(m.group(1), self.aliases)
        if not name or not _acceptable(name, self.aliases):
            return
        children = [ln.hf_id for ln in unit.links if ln.hf_id]
        for child in children:
            if child and not self._same(child, name):
                self._add(child, name, "filteredFrom", 0.65, unit.text, None)

    def _front_matter(self) -> None:
        """Card YAML ``source_datasets`` (``extended|X`` = X extended; ``original`` = none)."""
        raw, _ = _split_front_matter(self.doc.text)
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
                key = (t, _key(name))
                if self._same(t, name):
                    continue
                self.claims[key] = Claim(target=t, source=name,
                                         relation="augmentedFrom" if extended else "includedFrom",
                                         confidence=0.95 if extended else 0.9, evidence=line,
                                         document=self.doc.url)


def _mentions_prompts(text: str) -> bool:
    return bool(re.search(r"(?i)\b(?:instructions|prompts|problems|questions|queries)\b", text))


class HeuristicBackend:
    """Rule-based tracing: offline, deterministic, no model."""

    kind = "heuristic"
    model = "heuristic-rules"
    prompt_version = PROMPT_VERSION

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        """Lineage claims stated in ``text`` (the text of ``document``)."""
        return _Tracer(document, text, aliases).run()

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        """The claims; no model is called, so no problems of a model answer and no cost."""
        return BackendAnswer(claims=self.trace(document, text, aliases))

    @staticmethod
    def clean(text: str) -> str:
        """The text as the backend reads it (code, HTML, badges and link syntax removed)."""
        return _clean(text)[0]
