"""Extracting: front matter, cleaning, sections and the language check, on real documents of the
lineage corpus (vendored in tests/data/shared/lineage_corpus) and on small texts made for one rule
each."""

from __future__ import annotations

import pytest
from helpers import SHARED_CORPUS

from lineagekg.corpus import read_document
from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError
from lineagekg.text.sections import (
    INTRODUCTION,
    clean,
    is_hf_dataset_url,
    is_probably_english,
    parse_front_matter,
    sections,
)

CORPUS = SHARED_CORPUS
ULTRAFEEDBACK = CORPUS / "docs" / "OpenBMB__UltraFeedback__README.md"
CONSTRUCTION = "We include all instructions from TruthfulQA and FalseQA"


def _real(relative: str) -> str:
    return (CORPUS / relative).read_text(encoding="utf-8")


# --- front matter ------------------------------------------------------------------------------

def test_front_matter_of_a_real_card() -> None:
    text = _real("hf_legacy_cards/gsm8k.md")
    metadata, body = parse_front_matter(text, "gsm8k.md")
    assert metadata["pretty_name"] == "Grade School Math 8K"
    assert metadata["source_datasets"] == ["original"]
    assert metadata["license"] == ["mit"]
    assert body.lstrip().startswith("# Dataset Card for GSM8K")
    assert "pretty_name" not in body
    assert text.endswith(body)


def test_no_front_matter() -> None:
    text = "# Title\n\n---\n\nA rule above, not front matter.\n"
    assert parse_front_matter(text, "x.md") == ({}, text)
    assert parse_front_matter("---\nno closing line\n", "x.md") == ({}, "---\nno closing line\n")


def test_empty_front_matter_and_dates_stay_strings() -> None:
    assert parse_front_matter("---\n---\nbody\n") == ({}, "body\n")
    metadata, body = parse_front_matter("---\ncreated: 2023-09-26\nsize: 64000\n---\nbody")
    assert metadata == {"created": "2023-09-26", "size": 64000} and body == "body"


def test_broken_yaml_names_the_file_and_line() -> None:
    text = "---\npretty_name: Broken\ntags:\n- a\nlicense: mit: apache\n---\n# Broken\n"
    with pytest.raises(InputError, match="broken YAML front matter: mapping values") as info:
        parse_front_matter(text, "cards/broken.md")
    assert info.value.file == "cards/broken.md"
    assert info.value.line == 5                    # the line of "license: mit: apache" in the file
    assert "cards/broken.md:5" in str(info.value)


def test_front_matter_that_is_not_a_mapping() -> None:
    with pytest.raises(InputError, match="not a mapping"):
        parse_front_matter("---\n- a\n- b\n---\nbody\n", "list.md")


# --- cleaning ----------------------------------------------------------------------------------

def test_clean_a_real_readme_keeps_the_construction_sentence() -> None:
    raw = _real("docs/OpenBMB__UltraFeedback__README.md")
    assert "```" in raw and "<img" in raw and "<div" in raw     # what there is to remove
    text = clean(raw)
    assert CONSTRUCTION in text
    assert "We sample 63,967 instructions from 6 public available and high-quality datasets." in text
    for gone in ("```", "<img", "<div", "<p ", "</a>", "figures/logo.png", '"evol_instruct": 10000',
                 "@misc{cui2023ultrafeedback", "](", "https://arxiv.org/abs/2310.01377"):
        assert gone not in text, gone
    # ordinary links keep their text only; Hub dataset links stay visible
    assert "- 📜 Paper\n" in text
    assert "UltraFeedback (https://huggingface.co/datasets/openbmb/UltraFeedback)" in text
    assert "Anthropic HH-RLHF (https://huggingface.co/datasets/Anthropic/hh-rlhf)" in text
    assert "UltraRM (https://" not in text                       # a model link, not a dataset
    # tables are kept: they list the components
    assert "| Evol-Instruct | 100% Helpful |" in text


def test_clean_removes_badges_of_a_real_readme() -> None:
    raw = _real("docs/tatsu-lab__stanford_alpaca__README.md")     # Markdown badges
    assert "img.shields.io" in raw and "[![Code License]" in raw
    text = clean(raw)
    assert "shields.io" not in text and "Code License" not in text and "![" not in text
    assert "<p" not in text and "<img" not in text
    raw = _real("docs/open-thoughts__open-thoughts__README.md")   # HTML badges and links
    assert "img.shields.io" in raw and '<a href="https://bespokelabs.ai/">' in raw
    text = clean(raw)
    assert "shields.io" not in text and "<p" not in text and "<img" not in text
    assert "A collaboration led by Bespoke Labs and the DataComp community" in text  # HTML link text kept
    assert "OpenThoughts-114k dataset (https://huggingface.co/datasets/open-thoughts/OpenThoughts-114k)" in text


def test_clean_rules_one_by_one() -> None:
    raw = "\n".join([
        "<!-- a hidden note with a [link](https://example.org) -->",
        "[![Stars](https://img.shields.io/github/stars/x/y)](https://github.com/x/y)",
        "![figure](figures/pipeline.png) Built from [UltraChat](https://huggingface.co/datasets/stingning/ultrachat)",
        "and [ShareGPT][sg], see <a href=\"https://huggingface.co/datasets/tatsu-lab/alpaca\">Alpaca</a>.",
        "A   run   of    spaces &amp; an entity, `inline_code` kept, <https://github.com/x/y> too.",
        "<details><summary>More</summary>Hidden but <b>kept</b></details>",
        "",
        "~~~python",
        "# not a heading",
        "~~~",
        "",
        "",
        "",
        "| Source | Size |",
        "|--------|------|",
        "| [FLAN](https://github.com/google-research/FLAN) | 20k |",
        "***",
        "[sg]: https://sharegpt.com",
        "[hub]: https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered",
    ])
    text = clean(raw)
    assert text.splitlines() == [
        "Built from UltraChat (https://huggingface.co/datasets/stingning/ultrachat)",
        "and ShareGPT, see Alpaca (https://huggingface.co/datasets/tatsu-lab/alpaca).",
        "A run of spaces & an entity, `inline_code` kept, https://github.com/x/y too.",
        "",
        "More",
        "Hidden but kept",
        "",
        "| Source | Size |",
        "|--------|------|",
        "| FLAN | 20k |",
        "",
        "hub (https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered)",
    ]


def test_hub_dataset_urls() -> None:
    assert is_hf_dataset_url("https://huggingface.co/datasets/stingning/ultrachat")
    assert is_hf_dataset_url("https://hf.co/datasets/arbml/CIDAR")
    assert not is_hf_dataset_url("https://huggingface.co/openbmb/UltraRM-13b")
    assert not is_hf_dataset_url("https://github.com/OpenBMB/UltraFeedback")


# --- sections ----------------------------------------------------------------------------------

def test_sections_of_a_real_readme() -> None:
    doc = read_document(ULTRAFEEDBACK, kind="github_readme")
    found = sections(doc)
    assert [s.index for s in found] == list(range(len(found)))
    by_title = {s.title: s for s in found}
    assert found[0].title == INTRODUCTION and found[0].keep

    construction = by_title["Dataset Construction / Instruction Sampling"]
    assert construction.keep and CONSTRUCTION in construction.text
    assert "```" not in construction.text and "evol_instruct" not in construction.text
    assert by_title["Dataset Construction / Model Sampling"].keep
    assert by_title["Introduction"].keep

    citation = [s for s in found if s.title.endswith("Citation")]
    assert citation and not any(s.keep for s in citation)
    for title in ("News", "Update", "Dataset Example / To Do", "Dataset Example / Limitations"):
        assert not by_title[title].keep, title
    assert not any(s.keep for s in found if "citation" in s.title.lower() or "licen" in s.title.lower())


def test_sections_of_a_real_card() -> None:
    text = _real("hf_legacy_cards/gsm8k.md")
    found = sections(SourceDocument(url="https://example.org/gsm8k", kind="hf_card", text=text))
    by_title = {s.title: s for s in found}
    prefix = "Dataset Card for GSM8K / "
    assert by_title[prefix + "Dataset Creation / Source Data / Initial Data Collection and Normalization"].keep
    assert by_title[prefix + "Dataset Description / Dataset Summary"].keep
    for dropped in ("Additional Information / Licensing Information",
                    "Additional Information / Citation Information", "Table of Contents",
                    "Considerations for Using the Data / Discussion of Biases"):
        assert not by_title[prefix + dropped].keep, dropped
    assert "pretty_name" not in " ".join(s.text for s in found)      # front matter is not a section


def test_code_comments_are_not_headings_and_data_under_getting_started_is_kept() -> None:
    text = _real("docs/Open-Reasoner-Zero__Open-Reasoner-Zero__README.md")
    found = sections(text)
    titles = [s.title for s in found]
    assert not any("then on master node" in t for t in titles)
    by_title = {s.title: s for s in found}
    assert not by_title["Open Reasoner Zero / Getting Started 🚀"].keep
    data = by_title["Open Reasoner Zero / Getting Started 🚀 / Data"]
    assert data.keep and "Numina-Math" in data.text
    assert not by_title["Open Reasoner Zero / Getting Started 🚀 / Installation & Training Scripts"].keep


def test_setext_headings_html_headings_and_the_title() -> None:
    text = "\n".join([
        "Intro line with a [link](https://example.org).",
        "",
        "<h1 align=\"center\">HumanEval: a hand-written evaluation set</h1>",
        "",
        "Construction",
        "============",
        "We wrote 164 problems by hand.",
        "",
        "Sources",
        "-------",
        "- item",
        "",
        "Acknowledgements",
        "----------------",
        "Thanks to all.",
        "",
        "Results",
        "=======",
        "pass@1 of 28.8%.",
        "",
        "Evaluation data",
        "---------------",
        "Derived from the tests.",
    ])
    found = sections(text)
    assert [(s.title, s.keep) for s in found] == [
        (INTRODUCTION, True),
        ("HumanEval: a hand-written evaluation set", True),   # the only top heading: the title
        ("Construction", True),
        ("Construction / Sources", True),
        ("Construction / Acknowledgements", False),
        ("Results", False),
        ("Results / Evaluation data", False),
    ]
    assert found[0].text == "Intro line with a link."
    assert found[2].text == "We wrote 164 problems by hand."


@pytest.mark.parametrize("heading", [
    "Related Work", "Evaluation", "📊 Evaluation Results", "Benchmark Results", "Leaderboard",
    "License", "Licence", "Licensing Information", "🙏 Acknowledgements", "Acknowledgments",
    "Citation", "📝 Citation", "BibTeX", "How to cite", "Contact Us", "Installation", "1. Setup",
    "Usage", "Quick Start", "Requirements", "TODO", "To Do", "News", ":fire: News", "Updates",
    "Star History", "Main Results 🏆",
])
def test_headings_that_are_dropped(heading: str) -> None:
    [section] = sections(f"# {heading}\n\nSome text.\n\n# Other\n\nMore text.\n")[:1]
    assert section.title == heading.replace(":fire: ", "") and not section.keep


@pytest.mark.parametrize("heading", [
    "Dataset Construction", "Data Generation Process", "Source Data", "Instruction Sampling",
    "Introduction", "Overview", "Dataset Summary", "Curation Rationale", "Training Data",
])
def test_headings_that_are_kept(heading: str) -> None:
    [section] = sections(f"# {heading}\n\nSome text.\n\n# Other\n\nMore text.\n")[:1]
    assert section.keep


def test_sections_with_broken_front_matter_raise() -> None:
    doc = SourceDocument(url="file:///x.md", kind="hf_card", text="---\na: [1\n---\n# X\n", path="x.md")
    with pytest.raises(InputError, match="YAML") as info:
        sections(doc)
    assert info.value.file == "x.md"


# --- language ----------------------------------------------------------------------------------

def test_is_probably_english() -> None:
    assert is_probably_english(_real("docs/OpenBMB__UltraFeedback__README.md"))
    assert is_probably_english(_real("hf_legacy_cards/gsm8k.md"))
    chinese = "# 数据集\n\n" + "我们从多个公开数据集中收集了指令，并使用模型生成了回复。这些数据用于训练对话模型。" * 3
    assert not is_probably_english(chinese)
    german = ("Der Datensatz wurde aus mehreren öffentlichen Quellen zusammengestellt. Wir haben die "
              "Anweisungen gefiltert und mit einem großen Sprachmodell neue Antworten erzeugt. Jede "
              "Antwort wurde anschließend von Menschen geprüft und bei Bedarf korrigiert, damit die "
              "Daten für das Training von Dialogmodellen geeignet sind.")
    assert not is_probably_english(german)
    assert is_probably_english("")                 # too little to judge
    assert is_probably_english("GSM8K")
