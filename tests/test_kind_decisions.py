"""A document kind with a decision of its own (GitHub READMEs): chosen by the candidate's
``doc=<kind>`` feature, fitted on that kind's documents only, stored in and read back from the
model file, and checked when read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.feature_extraction import DictVectorizer

from lineagekg.documents import SourceDocument
from lineagekg.errors import InputError
from lineagekg.extract.backend import claims_from
from lineagekg.extract.candidates import document_candidates
from lineagekg.extract.decision import (
    DEFAULT_MODEL_PATH,
    MIN_KIND_DOCUMENTS,
    DecisionModel,
    document_kind,
    kind_decisions,
)
from lineagekg.extract.names import NameRegistry

TEXT = "# Acme Mix\n\nAcme Mix is built from UltraChat.\n"


@pytest.fixture(scope="module")
def registry(corpus) -> NameRegistry:
    return NameRegistry.build(corpus)


def _model() -> DecisionModel:
    # the general decision says 0.73 to "built from" (under its 0.9); the README decision 0.95 (over its 0.6)
    readme = DecisionModel(weights={"w=built": 3.0}, intercept=0.0, threshold=0.6)
    return DecisionModel(weights={"w=built": 1.0}, intercept=0.0, threshold=0.9,
                         relation_classes=["fusedFrom"], by_kind={"github_readme": readme})


@pytest.mark.parametrize(("kind", "claimed"), [("github_readme", True), ("hf_dataset_card_legacy", False)])
def test_a_kind_with_its_own_decision_is_decided_by_it(registry: NameRegistry, kind: str, claimed: bool) -> None:
    doc = SourceDocument(url=f"urn:test:{kind}", kind=kind, about=("acme/mix",), text=TEXT)
    found = document_candidates(doc, registry)
    [cand] = [c for c in found.candidates if c.source == "stingning/ultrachat"]
    assert document_kind(cand.features) == kind
    claims = claims_from(found.candidates, _model(), doc.url)
    assert bool(claims) is claimed
    if claimed:
        # the confidence is the deciding model's probability; the relation the general model's
        assert claims[0].confidence == 0.95 and claims[0].relation == "fusedFrom"
    # an explicit threshold replaces every threshold, the kind's too
    assert claims_from(found.candidates, _model(), doc.url, threshold=0.99) == []


def test_the_kind_decision_round_trips_through_the_model_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    _model().save(path)
    again = DecisionModel.load(path)
    assert again.as_json() == _model().as_json()
    assert again.by_kind["github_readme"].threshold == 0.6
    assert again.deciding({"doc=github_readme": 1.0}) is again.by_kind["github_readme"]
    assert again.deciding({"doc=hf_dataset_card_legacy": 1.0}) is again
    # a model file without a kind decision (every model before round 12) still reads
    data = json.loads(path.read_text())
    del data["by_kind"]
    path.write_text(json.dumps(data))
    assert DecisionModel.load(path).by_kind == {}


@pytest.mark.parametrize("broken", [{"github_readme": {"weights": {}}},             # no intercept, no threshold
                                    {"github_readme": {"weights": [1], "intercept": 0, "threshold": 0.5}},
                                    {"github_readme": "weights"}])
def test_a_malformed_kind_decision_is_refused_with_the_file_named(tmp_path: Path, broken: object) -> None:
    path = tmp_path / "model.json"
    data = json.loads(_model().as_json())
    data["by_kind"] = broken
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        DecisionModel.load(path)
    assert "malformed" in str(err.value) and str(path) in str(err.value)


def _rows(readme_documents: int) -> tuple[list, list[str], list]:
    """Two examples per document: a source "built from" (positive) and a name "compared with"
    (negative); READMEs and as many cards."""
    rows, groups, pairs = [], [], []
    for kind, n in (("github_readme", readme_documents), ("hf_dataset_card_legacy", 12)):
        for d in range(n):
            doc = f"{kind}/{d}"
            for word, label in (("w=built", 1), ("w=compar", 0)):
                rows.append(({"bias": 1.0, f"doc={kind}": 1.0, word: 1.0}, label, None, 1.0))
                groups.append(doc)
                pairs.append((doc, "t", word))
    return rows, groups, pairs


@pytest.mark.parametrize("documents", [MIN_KIND_DOCUMENTS - 1, MIN_KIND_DOCUMENTS])
def test_a_kind_gets_its_own_decision_only_with_enough_documents(documents: int) -> None:
    rows, groups, pairs = _rows(documents)
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([f for f, _, _, _ in rows]).tocsr()
    own = kind_decisions(x, [str(n) for n in vec.get_feature_names_out()], rows, groups, pairs)
    if documents < MIN_KIND_DOCUMENTS:
        assert own == {}
        return
    readme = own["github_readme"]
    assert readme.trained == {"documents": documents, "documents_stating_an_edge": documents,
                              "examples": 2 * documents}
    # fitted on the README rows only: the card kind's feature never occurs in them
    assert "doc=hf_dataset_card_legacy" not in readme.weights
    assert readme.probability({"doc=github_readme": 1.0, "w=built": 1.0}) > readme.threshold
    assert readme.probability({"doc=github_readme": 1.0, "w=compar": 1.0}) < readme.threshold


def test_the_committed_model_has_a_readme_decision_fitted_on_readmes() -> None:
    model = DecisionModel.load(DEFAULT_MODEL_PATH)
    readme = model.by_kind["github_readme"]
    assert readme.trained["documents_stating_an_edge"] >= MIN_KIND_DOCUMENTS
    assert 0.5 <= readme.threshold <= 0.95
    assert not any(k.startswith("doc=hf_") for k in readme.weights)
