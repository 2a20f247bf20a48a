"""Dataset names as the heuristic backend reads them from a phrase: model names, organisations,
platforms, languages and generic words refused; a phrase's determiners and trailing "dataset" dropped."""

from __future__ import annotations

import re


def name_key(name: str) -> str:
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
ARTIFACT = re.compile(r"(?i)\b(?:paper|papers|repo|repository|code|codebase|model|models|blog|"
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


def is_model_name(name: str) -> bool:
    return bool(_MODEL.search(name.strip()))


def name_from_phrase(phrase: str, aliases: dict[str, str]) -> str | None:
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


def acceptable_name(name: str, aliases: dict[str, str]) -> bool:
    low = name.lower().strip()
    if not low or len(name_key(low)) < 2:
        return False
    if low in aliases:
        return not is_model_name(name) or "/" in name
    base = _TRAILING_GENERIC.sub("", low)
    if base in _GENERIC or base in _ORG or base in _PLATFORM or low in _GENERIC:
        return False
    if _LANG.match(base):
        return False
    if is_model_name(name):
        return False
    if re.fullmatch(r"[\d.,%kmb\s-]+", low):
        return False
    if re.fullmatch(r"(?i)(?:table|figure|fig|section|appendix|step|stage|part|chapter)\s*\d*", low):
        return False
    return "/" not in name or bool(re.fullmatch(r"[\w.-]+/[\w.-]+", name))


# --------------------------------------------------------------------------------------------
