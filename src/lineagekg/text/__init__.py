"""The document layer every backend and agent reads: front matter, a Markdown parse into blocks
(headings, paragraphs, list items with their lead-in, table rows with their column headers,
config lines), sentences, the verbatim-evidence rule, and the rule for text that addresses a
model instead of describing a dataset."""

from lineagekg.text.evidence import evidence_in, visible_text
from lineagekg.text.frontmatter import front_matter_span, parse_front_matter
from lineagekg.text.markdown import Block, Link, ParsedDocument, hub_id, parse
from lineagekg.text.safety import addresses_the_model, statement_markers
from lineagekg.text.sentences import sentence_spans

__all__ = ["Block", "Link", "ParsedDocument", "addresses_the_model", "evidence_in", "front_matter_span",
           "hub_id", "parse", "parse_front_matter", "sentence_spans", "statement_markers", "visible_text"]
