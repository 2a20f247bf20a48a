"""Names no registry knows, found with the way they were found as their kind (issue 14, name
misses): a link whose text is a name, a name with its acronym or long form in brackets, a
capitalised name after a construction cue. Every sentence here is a real corpus sentence."""

from __future__ import annotations

import pytest

from lineagekg.extract.candidates import document_candidates
from lineagekg.extract.mentions import find_mentions
from lineagekg.extract.names import NameRegistry
from lineagekg.text.markdown import parse


@pytest.fixture(scope="module")
def registry(corpus) -> NameRegistry:
    return NameRegistry.build(corpus)


def _mentions(sentence: str, registry: NameRegistry) -> set[tuple[str, str]]:
    return {(m.text, m.kind) for m in find_mentions(sentence, (), registry)}


def test_a_linked_name_is_a_mention(corpus, registry: NameRegistry) -> None:
    # swag.md: "derived from ... from [ActivityNet Captions](...) and the
    # [Large Scale Movie Description Challenge](...)"
    doc = corpus.document("hf_legacy_cards/swag.md")
    found = {(c.target, c.source, c.mention.kind) for c in document_candidates(doc, registry).candidates}
    assert ("swag", "ActivityNet Captions", "linkname") in found
    assert ("swag", "Large Scale Movie Description Challenge", "linkname") in found


def test_links_to_people_licences_and_sections_are_not_names(corpus, registry: NameRegistry) -> None:
    for path in ("hf_legacy_cards/swag.md", "hf_legacy_cards/snli.md", "docs/hendrycks__test__README.md"):
        texts = {m.text for b in parse(corpus.document(path).text).blocks
                 for m in find_mentions(b.text, b.links, registry) if m.kind == "linkname"}
        assert not texts & {"Dataset Structure", "Citation Information", "More Information Needed",
                            "Creative Commons Attribution-ShareAlike 4.0 International License"}, path


def test_a_name_with_its_acronym_is_one_mention(registry: NameRegistry) -> None:
    # asset.md, glue.md (the WNLI task), msr_text_compression.md: either part written, both kept
    s = ('The 2,359 input sentences of TurkCorpus are a sample of "standard" (not simple) sentences from the '
         'Parallel Wikipedia Simplification (PWKP) dataset')
    assert ("Parallel Wikipedia Simplification (PWKP)", "paren") in _mentions(s, registry)
    s = "The authors of the benchmark call converted dataset WNLI (Winograd NLI)."
    assert ("WNLI (Winograd NLI)", "paren") in _mentions(s, registry)
    # a bracket that does not abbreviate the name before it is not one name
    s = "The Winograd Schema Challenge (Levesque et al., 2011) is a reading comprehension task"
    assert not any(k == "paren" for _, k in _mentions(s, registry))


def test_a_capitalised_name_after_a_construction_cue_is_a_mention(registry: NameRegistry) -> None:
    s = "The original text is extracted from Wikipedia, Russian Reddit and Russian WikiQuotes."
    got = {(m.text, m.kind, m.ident) for m in find_mentions(s, (), registry)}
    assert ("Wikipedia", "registry", "wikimedia/wikipedia") in got         # a known name stays resolved
    assert {("Russian Reddit", "cued", None), ("Russian WikiQuotes", "cued", None)} <= got
    s = "Examples taken from the Winograd Schema Challenge modified to ensure that answers are a single word"
    assert ("Winograd Schema Challenge", "cued") in _mentions(s, registry)
    s = "The data was compiled from raw DBpedia triples."
    assert ("DBpedia", "cued") in _mentions(s, registry)
    # no cue, or a cue followed by a table, a month or a number: nothing
    assert not any(k == "cued" for _, k in _mentions("As shown in Table 2, accuracy drops.", registry))
    assert not any(k == "cued" for _, k in _mentions("The data was collected from November 2015 on.",
                                                       registry))


def test_the_subject_of_a_sentence_that_introduces_a_name_is_a_mention(registry: NameRegistry) -> None:
    # glue.md, under "#### sst2" and "#### mrpc"
    s = "The Stanford Sentiment Treebank consists of sentences from movie reviews and human annotations."
    assert ("Stanford Sentiment Treebank", "subject") in _mentions(s, registry)
    s = "The Microsoft Research Paraphrase Corpus (Dolan & Brockett, 2005) is a corpus of sentence pairs"
    assert ("Microsoft Research Paraphrase Corpus", "subject") in _mentions(s, registry)
    assert not any(k == "subject" for _, k in _mentions("The task is to predict the sentiment.", registry))


def test_a_cards_configuration_headings_name_its_parts(corpus, registry: NameRegistry) -> None:
    # super_glue.md describes its configurations one heading each ("#### cb" under Data Instances,
    # Data Fields, Data Splits); a heading that occurs once is not a configuration
    doc = corpus.document("hf_legacy_cards/super_glue.md")
    configs = {c.source for c in document_candidates(doc, registry).candidates if c.mention.kind == "config"}
    assert {"copa", "boolq"} <= configs and "axb" not in configs     # "axb" names no dataset
    assert not configs & {"Dataset Summary", "Citation Information", "Languages"}


def test_a_configuration_is_known_by_the_name_its_description_introduces(corpus, registry: NameRegistry) -> None:
    # glue.md: "#### sst2" then "The Stanford Sentiment Treebank consists of ..."; "#### mnli" then
    # "The Multi-Genre Natural Language Inference Corpus is ...", a name the registry resolves
    doc = corpus.document("hf_legacy_cards/glue.md")
    by_config = {c.evidence.split(" | ")[0]: c.source for c in document_candidates(doc, registry).candidates
                 if c.mention.kind == "config"}
    assert by_config["sst2"] == "Stanford Sentiment Treebank"
    assert by_config["mrpc"] == "Microsoft Research Paraphrase Corpus"
    assert by_config["mnli"] == "nyu-mll/multi_nli"
    assert "ax" not in by_config                   # described without a name, and no dataset's name


def test_prose_under_a_configuration_heading_is_about_that_configuration(corpus, registry: NameRegistry) -> None:
    # glue.md, "#### rte": "The authors of the benchmark combined the data from RTE1 (...), RTE2 (...), ..."
    doc = corpus.document("hf_legacy_cards/glue.md")
    pairs = {(c.target, c.source, c.target_where) for c in document_candidates(doc, registry).candidates}
    assert {("rte", f"RTE{n}", "config") for n in (1, 2, 3, 5)} <= pairs
    assert ("nyu-mll/glue", "RTE1", "heading") in pairs                  # still a pair of the card's dataset
    # the configuration's own names are not its sources
    assert not {(t, s) for t, s, w in pairs if w == "config" and t == "rte" and "Entailment" in s}
    assert not {(t, s) for t, s, w in pairs if w == "config" and t == "mnli" and s == "nyu-mll/multi_nli"}


@pytest.mark.parametrize(("sentence", "not_a_name"), [
    ("Namely, we merged the samples from Pakistan, China, international, and southasia as one class.", "China"),
    ("The Russian dataset (v3.0) comprises data-text pairs for 9 distinct categories.", "Russian"),
    ("The processing steps include (a) OCR from the original PDFs, (b) segmentation.", "PDFs"),
    ("DART comes from existing datasets while allowing to build RDF triples.", "RDF"),
])
def test_a_language_a_country_or_a_file_format_alone_is_no_dataset_name(
        registry: NameRegistry, sentence: str, not_a_name: str) -> None:
    assert not_a_name not in [m.text for m in find_mentions(sentence, (), registry)]


def test_a_language_before_a_name_still_belongs_to_it(registry: NameRegistry) -> None:
    found = [m.text for m in find_mentions("The original text is extracted from Wikipedia, Russian Reddit and "
                                           "Russian WikiQuotes.", (), registry)]
    assert "Russian WikiQuotes" in found


@pytest.mark.parametrize(("sentence", "name"), [
    ("We also make several fixes to the humaneval-x dataset, all of which are documented.", "humaneval-x"),
    ("We start from the code-alpaca-20k dataset.", "code-alpaca-20k"),
    ("It is a large-scale dataset of the well-known dataset kind, the v2 dataset.", None),
])
def test_the_slug_dataset_is_a_mention(registry: NameRegistry, sentence: str, name: str | None) -> None:
    found = [m.text for m in find_mentions(sentence, (), registry) if m.kind == "phrase"]
    assert found == ([name] if name else [])
