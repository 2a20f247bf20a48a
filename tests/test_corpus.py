"""Offline document sources: the real lineage corpus (vendored in tests/data/shared/lineage_corpus),
plain folders of cards, bad input, and the local Hugging Face cache (built in tmp_path with the hub's own layout
and found by the real huggingface_hub calls)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import SHARED_CORPUS

from lineagekg.corpus import MAX_DOCUMENT_BYTES, Corpus, read_document, read_hf_cache
from lineagekg.errors import InputError, LineageKGError
from lineagekg.text.sections import is_probably_english, sections

CORPUS = SHARED_CORPUS
XSD_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CONSTRUCTION = "We include all instructions from TruthfulQA and FalseQA"


@pytest.fixture(scope="module")
def index() -> dict:
    return json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))


# --- the real corpus ---------------------------------------------------------------------------

def test_index_loads_with_the_right_counts(corpus: Corpus) -> None:
    assert corpus.indexed
    assert len(corpus.entries()) == 322
    assert len(corpus.dataset_ids()) == 261
    assert len(set(corpus.dataset_ids())) == 261


def test_metadata_kinds_are_listed_but_not_read(corpus: Corpus) -> None:
    skipped = corpus.skipped()
    assert skipped and all(e.kind.startswith("dpi_metadata_") for e in skipped)
    assert {e.kind for e in skipped} == {"dpi_metadata_json", "dpi_metadata_compact"}
    errors: list[InputError] = []
    documents = corpus.all_documents(on_error=errors.append)
    assert errors == []
    assert len(documents) == len(corpus.entries()) - len(skipped)
    assert not any(d.kind.startswith("dpi_") for d in documents)
    with pytest.raises(InputError, match="metadata, not prose"):
        corpus.read(skipped[0])


def test_documents_for_ultrafeedback(corpus: Corpus, index: dict) -> None:
    documents = corpus.documents_for("openbmb/UltraFeedback")
    assert [Path(d.path).name for d in documents] == ["OpenBMB__UltraFeedback__README.md"]
    doc = documents[0]
    assert doc.kind == "github_readme"
    assert doc.url.startswith("https://github.com/OpenBMB/UltraFeedback/blob/")
    assert doc.about == ("openbmb/UltraFeedback",)
    [entry] = [d for d in index["documents"] if d["file"] == "docs/OpenBMB__UltraFeedback__README.md"]
    assert doc.license == entry["license"] and doc.url == entry["url"]
    assert XSD_DATETIME.match(doc.retrieved_at or "")
    assert doc.metadata == {}
    assert CONSTRUCTION in doc.text
    assert doc.sha256 == hashlib.sha256(Path(doc.path).read_bytes()).hexdigest()
    # matching is case-insensitive and the same documents come back (cached)
    assert corpus.documents_for("OPENBMB/ultrafeedback") == documents


def test_aliases_resolve_as_the_index_says(corpus: Corpus, index: dict) -> None:
    expected = index["legacy_card_aliases"]["gsm8k"]
    assert [ds["id"] for ds in index["datasets"] if "gsm8k" in ds["aliases"]] == [expected]
    table = corpus.aliases()
    assert table["gsm8k"] == expected
    assert corpus.resolve("GSM8K") == expected
    for ident in corpus.dataset_ids():
        assert table[ident.lower()] == ident
    for alias, ident in index["legacy_card_aliases"].items():
        assert table[alias.lower()] == ident

    documents = corpus.documents_for("gsm8k")
    assert {Path(d.path).relative_to(CORPUS).as_posix() for d in documents} == {
        "docs/openai__grade-school-math__README.md", "hf_legacy_cards/gsm8k.md"}
    card = next(d for d in documents if d.kind == "hf_dataset_card_legacy")
    assert card.metadata["pretty_name"] == "Grade School Math 8K"
    assert card.metadata["license"] == ["mit"]
    assert card.about == (expected,)
    assert corpus.documents_for(expected) == documents


def test_unknown_dataset_has_no_documents(corpus: Corpus) -> None:
    assert corpus.documents_for("nobody/no-such-dataset") == []


def test_every_readme_of_the_corpus_reads_as_english(corpus: Corpus) -> None:
    readmes = [d for d in corpus.all_documents() if d.kind == "github_readme"]
    assert len(readmes) > 60
    assert all(is_probably_english(d.text) for d in readmes)


# --- a plain folder ----------------------------------------------------------------------------

def _copy_card(name: str, dest: Path) -> None:
    shutil.copyfile(CORPUS / "hf_legacy_cards" / name, dest)


def test_plain_folder_of_two_cards(tmp_path: Path) -> None:
    _copy_card("gsm8k.md", tmp_path / "openai__gsm8k.md")
    (tmp_path / "alpaca.md").write_text("# Alpaca\n\n52K instructions generated with text-davinci-003.\n",
                                        encoding="utf-8")
    corpus = Corpus.from_directory(tmp_path)
    assert not corpus.indexed
    assert sorted(corpus.dataset_ids()) == ["alpaca", "openai/gsm8k"]
    assert corpus.skipped() == []

    [card] = corpus.documents_for("openai/gsm8k")
    assert card.kind == "hf_card"
    digest = hashlib.sha256((tmp_path / "openai__gsm8k.md").read_bytes()).hexdigest()
    assert card.url == f"https://w3id.org/lineagekg/id/document/sha256/{digest}"   # no local path
    assert card.metadata["pretty_name"] == "Grade School Math 8K"   # not used as the id
    assert card.license == "mit"                                     # from the card YAML
    assert card.about == ("openai/gsm8k",)
    assert corpus.documents_for("openai__gsm8k") == [card]           # the file stem is an alias

    [readme] = corpus.documents_for("ALPACA")
    assert readme.kind == "markdown" and readme.metadata == {} and readme.license is None
    assert len(corpus.all_documents()) == 2


def test_plain_folder_readme_takes_its_folder_name(tmp_path: Path) -> None:
    (tmp_path / "openbmb__UltraFeedback").mkdir()
    (tmp_path / "openbmb__UltraFeedback" / "README.md").write_text("# UltraFeedback\n\ntext\n")
    corpus = Corpus.from_directory(tmp_path)
    assert corpus.dataset_ids() == ["openbmb/UltraFeedback"]
    assert len(corpus.documents_for("openbmb/ultrafeedback")) == 1


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="corpus folder not found"):
        Corpus.from_directory(tmp_path / "nowhere")


# --- a bad index -------------------------------------------------------------------------------

def _doc(**fields: object) -> dict:
    return {"file": "a.md", "kind": "github_readme", "datasets": ["x/a"], **fields}


@pytest.mark.parametrize(("index", "field", "message"), [
    ({"datasets": []}, "documents", "missing"),
    ({"documents": {"file": "a.md"}}, "documents", "must be a list"),
    ({"documents": ["a.md"]}, "documents[0]", "must be an object"),
    ({"documents": [{"kind": "github_readme"}]}, "documents[0].file", "missing"),
    ({"documents": [_doc(kind=3)]}, "documents[0].kind", "non-empty string"),
    ({"documents": [_doc(datasets="x/a")]}, "documents[0].datasets", "list of strings"),
    ({"documents": [_doc(file="../outside.md")]}, "documents[0].file", "outside the corpus"),
    ({"documents": [_doc(), _doc()]}, "documents[1].file", "listed twice"),
    ({"documents": [_doc()], "datasets": [{"aliases": []}]}, "datasets[0].id", "missing"),
    ({"documents": [_doc()], "datasets": [{"id": "x/a", "files": ["b.md"]}]}, "datasets[0].files[0]",
     "not among documents"),
    ({"documents": [_doc()], "legacy_card_aliases": {"a": 1}}, "legacy_card_aliases.a", "dataset id"),
])
def test_malformed_index_names_the_file_and_field(tmp_path: Path, index: dict, field: str,
                                                  message: str) -> None:
    (tmp_path / "a.md").write_text("# A\n")
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(InputError, match=message) as info:
        Corpus.from_directory(tmp_path)
    assert info.value.field == field
    assert info.value.file is not None and info.value.file.endswith("index.json")


def test_index_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text('{\n  "documents": [\n    {"file": "a.md",}\n  ]\n}\n')
    with pytest.raises(InputError, match="not valid JSON") as info:
        Corpus.from_directory(tmp_path)
    assert info.value.file.endswith("index.json") and info.value.line == 3


def test_index_that_is_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("[]")
    with pytest.raises(InputError, match="JSON object"):
        Corpus.from_directory(tmp_path)


def test_indexed_document_whose_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text(json.dumps({"documents": [_doc(file="gone.md")]}))
    corpus = Corpus.from_directory(tmp_path)
    errors: list[InputError] = []
    assert corpus.documents_for("x/a", on_error=errors.append) == []
    assert len(errors) == 1 and errors[0].file.endswith("gone.md")
    assert "not found" in errors[0].message


# --- bad documents -----------------------------------------------------------------------------

def test_binary_file_is_an_error_and_the_others_still_read(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("# Good\n\nA card.\n")
    (tmp_path / "logo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    corpus = Corpus.from_directory(tmp_path)
    with pytest.raises(InputError, match="binary file") as info:
        corpus.documents_for("logo")
    assert info.value.file.endswith("logo.md")
    errors: list[InputError] = []
    documents = corpus.all_documents(on_error=errors.append)
    assert [Path(d.path).name for d in documents] == ["good.md"]
    assert [Path(e.file).name for e in errors] == ["logo.md"]


def test_huge_file_is_an_error(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as fh:
        fh.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(InputError, match="over the 5242880 byte") as info:
        read_document(big)
    assert info.value.file == str(big)


def test_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    latin = tmp_path / "latin.md"
    latin.write_bytes("# Card\n\nCaf\u00e9 cr\u00e8me\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as info:
        read_document(latin)
    assert info.value.file == str(latin) and info.value.line == 3


def test_card_with_broken_yaml_is_an_error(tmp_path: Path) -> None:
    card = tmp_path / "broken.md"
    card.write_text("---\npretty_name: Broken\nlicense: mit: apache\n---\n# Broken\n")
    corpus = Corpus.from_directory(tmp_path)
    with pytest.raises(InputError, match="YAML") as info:
        corpus.documents_for("broken")
    assert info.value.file == str(card) and info.value.line == 3


def test_empty_card_is_an_empty_document(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    corpus = Corpus.from_directory(tmp_path)
    [doc] = corpus.documents_for("empty")
    assert doc.text == "" and doc.metadata == {} and doc.kind == "markdown"
    assert sections(doc) == []
    assert is_probably_english(doc.text)   # nothing to judge: not flagged


def test_card_with_only_front_matter(tmp_path: Path) -> None:
    (tmp_path / "bare.md").write_text("---\nlicense: cc-by-4.0\nsource_datasets:\n- original\n---\n")
    [doc] = Corpus.from_directory(tmp_path).all_documents()
    assert doc.kind == "hf_card" and doc.license == "cc-by-4.0"
    assert doc.metadata == {"license": "cc-by-4.0", "source_datasets": ["original"]}
    assert sections(doc) == []


# --- the local Hugging Face cache --------------------------------------------------------------

COMMIT = "3f2b6c1d0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"


def _cache_card(cache: Path, repo_id: str, content: bytes, commit: str = COMMIT) -> None:
    """Write a card into ``cache`` the way huggingface_hub stores a download: the file under
    ``blobs/<etag>``, ``refs/main`` naming the commit, ``snapshots/<commit>/README.md`` a
    relative symlink to the blob."""
    repo = cache / ("datasets--" + repo_id.replace("/", "--"))
    etag = hashlib.sha256(content).hexdigest()
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / etag).write_bytes(content)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots" / commit).mkdir(parents=True)
    os.symlink(Path("..") / ".." / "blobs" / etag, repo / "snapshots" / commit / "README.md")


def test_read_hf_cache_finds_a_cached_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = (CORPUS / "hf_legacy_cards" / "gsm8k.md").read_bytes()
    cache = tmp_path / "hub"
    _cache_card(cache, "openai/gsm8k", content)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))

    from huggingface_hub import try_to_load_from_cache
    found = try_to_load_from_cache("openai/gsm8k", "README.md", cache_dir=cache, repo_type="dataset")
    assert isinstance(found, str) and found.endswith(f"snapshots/{COMMIT}/README.md")

    doc = read_hf_cache("openai/gsm8k")
    assert doc is not None
    assert doc.path == found
    assert doc.text == content.decode("utf-8")
    assert doc.url == f"https://huggingface.co/datasets/openai/gsm8k/blob/{COMMIT}/README.md"
    assert doc.kind == "hf_card" and doc.about == ("openai/gsm8k",)
    assert doc.metadata["pretty_name"] == "Grade School Math 8K" and doc.license == "mit"
    assert XSD_DATETIME.match(doc.retrieved_at or "")
    assert Corpus.read_hf_cache("openai/gsm8k", cache_dir=cache) == doc


def test_read_hf_cache_without_the_card_gives_none(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    assert read_hf_cache("openai/gsm8k") is None
    with pytest.raises(InputError, match="not a Hub dataset id"):
        read_hf_cache("not a valid id!")


def test_fetch_card_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from lineagekg.hub import fetch_card
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")   # a call would fail differently
    with pytest.raises(LineageKGError, match="offline mode") as info:
        fetch_card("openai/gsm8k")
    assert type(info.value) is LineageKGError
    assert info.value.hint and "read_hf_cache" in info.value.hint


def test_resolve_by_the_name_part_of_a_known_id(corpus: Corpus) -> None:
    assert corpus.resolve("UltraFeedback") == "openbmb/UltraFeedback"
    assert corpus.resolve("TruthfulQA") == "truthfulqa/truthful_qa"
    assert corpus.resolve("no such dataset anywhere") is None
