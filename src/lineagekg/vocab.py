"""The lineagekg ontology's terms as a closed rdflib namespace.

Generated from ontology/lineage.ttl by `python -m lineagekg.vocab_gen`: do not edit.
A misspelt term raises AttributeError at once (``_fail = True``).
"""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class LK(DefinedNamespace):
    """Terms of <https://w3id.org/lineagekg/ns#>."""

    _fail = True
    _NS = Namespace("https://w3id.org/lineagekg/ns#")

    Accepted: URIRef
    AgentRun: URIRef
    AggregationRun: URIRef
    BeforeCutoff: URIRef
    Benchmark: URIRef
    ClassificationRun: URIRef
    Code: URIRef
    ConstructionActivity: URIRef
    Dataset: URIRef
    DatasetSplit: URIRef
    DepthReached: URIRef
    Document: URIRef
    DocumentEmpty: URIRef
    DocumentInOtherLanguage: URIRef
    DocumentOutcome: URIRef
    DocumentOutcomeScheme: URIRef
    DocumentTraced: URIRef
    DocumentUnreachable: URIRef
    DocumentUnreadable: URIRef
    DocumentUsage: URIRef
    Domain: URIRef
    DomainScheme: URIRef
    ExtractionRun: URIRef
    General: URIRef
    HumanMade: URIRef
    ImportRun: URIRef
    LanguageModel: URIRef
    LineageAgent: URIRef
    LineageClaim: URIRef
    LineageDerivation: URIRef
    Math: URIRef
    Medical: URIRef
    Mixed: URIRef
    Multilingual: URIRef
    NoSourceFound: URIRef
    NotOnHub: URIRef
    Origin: URIRef
    OriginScheme: URIRef
    OverlapMeasurement: URIRef
    OverlapResult: URIRef
    PendingReview: URIRef
    Reasoning: URIRef
    Rejected: URIRef
    ReviewDecision: URIRef
    ReviewStatus: URIRef
    ReviewStatusScheme: URIRef
    Safety: URIRef
    SampleFile: URIRef
    SampleRegistration: URIRef
    Science: URIRef
    SourcingRun: URIRef
    Synthetic: URIRef
    TerminalReason: URIRef
    TerminalReasonScheme: URIRef
    ToolUse: URIRef
    TracingRun: URIRef
    Unreviewed: URIRef
    annotatedFrom: URIRef
    answerProblems: URIRef
    augmentedFrom: URIRef
    claimsDropped: URIRef
    confidence: URIRef
    dataType: URIRef
    decontaminatedFrom: URIRef
    deduplicatedFrom: URIRef
    describes: URIRef
    distilledFrom: URIRef
    documentOutcome: URIRef
    domain: URIRef
    downloads: URIRef
    evidence: URIRef
    evidenceDocument: URIRef
    evidenceSourceKind: URIRef
    evolvedFrom: URIRef
    exactMatches: URIRef
    existsOnHub: URIRef
    extractedFrom: URIRef
    filePath: URIRef
    fileSha256: URIRef
    filteredFrom: URIRef
    fineLabel: URIRef
    foundBy: URIRef
    fusedFrom: URIRef
    generatedFrom: URIRef
    hubId: URIRef
    hubYear: URIRef
    includedFrom: URIRef
    inputTokens: URIRef
    isTerminal: URIRef
    jaccardEstimate: URIRef
    nearEligible: URIRef
    nearMatches: URIRef
    ngramSize: URIRef
    numPermutations: URIRef
    origin: URIRef
    outputTokens: URIRef
    overlapMethod: URIRef
    overlapSubject: URIRef
    overlapTarget: URIRef
    paperLabel: URIRef
    paperUrl: URIRef
    paperYear: URIRef
    preferenceLabelledFrom: URIRef
    promptField: URIRef
    promptVersion: URIRef
    recordCount: URIRef
    recordsOf: URIRef
    relation: URIRef
    retrievedAt: URIRef
    reviewStatus: URIRef
    reviewedClaim: URIRef
    rewrittenFrom: URIRef
    seededFrom: URIRef
    sha256: URIRef
    splitName: URIRef
    subjectRecords: URIRef
    subsetOf: URIRef
    teacherModel: URIRef
    terminalNote: URIRef
    terminalReason: URIRef
    threshold: URIRef
    translatedFrom: URIRef
    usedModel: URIRef
