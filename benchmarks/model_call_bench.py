"""The model-call cache, measured: a whole corpus traced twice by the anthropic backend.

The backend runs for real (the ``anthropic`` SDK builds and sends every request, parses every
response, the backend checks every claim and writes the cache) against a Messages API answered on
loopback by this module, through the SDK's HTTP layer (an ``httpx2.MockTransport``): each answer
is the tool call with the claims the heuristic backend finds in the document, those quoted in
the chunk. The first pass
makes one call per document chunk; the second, with the same cache folder, must make none.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import anthropic
import httpx2

from lineagekg.corpus import Corpus
from lineagekg.documents import SourceDocument
from lineagekg.llm import make_backend
from lineagekg.llm.heuristic import HeuristicBackend, evidence_in
from lineagekg.llm.prompts import TOOL_NAME

_CHUNK = re.compile(r"<<<(DOCUMENT-[0-9a-f]+)\n(.*)\n\1>>>", re.DOTALL)
_URL = re.compile(r"^Document: (\S+) ")


class LoopbackMessagesAPI:
    """Answers Messages API requests with the heuristic backend's claims; counts requests."""

    def __init__(self, documents: list[SourceDocument], aliases: dict[str, str]) -> None:
        self.documents = {d.url: d for d in documents}
        self.aliases = aliases
        self.requests = 0
        self._lock = threading.Lock()
        self._heuristic = HeuristicBackend()

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        with self._lock:
            self.requests += 1
        body = json.loads(request.content)
        text = body["messages"][0]["content"][0]["text"]
        chunk = _CHUNK.search(text)
        url = _URL.match(text)
        claims = []
        doc = self.documents.get(url.group(1)) if url else None
        if chunk and doc is not None:       # the heuristic's claims on the document, quoted in this chunk
            claims = [{"target": c.target, "source": c.source, "relation": c.relation,
                       "confidence": c.confidence, "evidence": c.evidence}
                      for c in self._heuristic.trace(doc, doc.text, self.aliases)
                      if evidence_in(chunk.group(2), c.evidence)]
        message = {
            "id": f"msg_bench{self.requests:06d}", "type": "message", "role": "assistant",
            "model": body["model"], "stop_reason": "tool_use", "stop_sequence": None,
            "content": [{"type": "tool_use", "id": f"toolu_bench{self.requests:06d}", "name": TOOL_NAME,
                         "input": {"claims": claims}}],
            "usage": {"input_tokens": len(text) // 4, "output_tokens": 40 + 60 * len(claims),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1700},
        }
        return httpx2.Response(200, json=message, headers={"request-id": f"req_bench{self.requests:06d}"})

    def client(self) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key="benchmark", base_url="http://messages-api.loopback",
                                   http_client=httpx2.Client(transport=httpx2.MockTransport(self.handler)))


def cached_rerun(corpus: Corpus, cache_dir: Path) -> list[str]:
    """Trace every readable document twice with one cache folder; the Markdown table rows."""
    documents = corpus.all_documents(on_error=lambda _e: None)
    aliases = corpus.aliases()
    api = LoopbackMessagesAPI(documents, aliases)
    rows = []
    first_s = None
    for label in ("first (empty cache)", "again (same cache)"):
        before = api.requests
        backend = make_backend("anthropic", cache_dir=cache_dir, client=api.client())
        t0 = time.perf_counter()
        results = backend.answer_many(documents, aliases)
        elapsed = time.perf_counter() - t0
        failed = [r for r in results if isinstance(r, Exception)]
        answers = [r for r in results if not isinstance(r, Exception)]
        calls = sum(a.usage.model_calls for a in answers)
        hits = sum(a.usage.cache_hits for a in answers)
        claims = sum(len(a.claims) for a in answers)
        first_s = first_s or elapsed
        rows.append(f"| {label} | {len(documents)} | {api.requests - before} | {calls} | {hits} | {claims} | "
                    f"{len(failed)} | {elapsed:.2f} | {len(documents) / elapsed:,.0f} | {elapsed / first_s:.2f}x |")
    return ["| run | documents | requests seen by the API | model calls | cache hits | claims | failed | "
            "time (s) | documents/s | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", *rows]
