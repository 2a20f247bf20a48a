"""The anthropic tracing backend: Claude reads each document's construction text and reports
lineage claims through one forced tool call.

Per document: the kept sections, chunked under a character budget (:mod:`lineagekg.llm.prompts`);
per chunk, the model-call cache first, else one Messages API call with the system prompt (the
paper's rules, marked for prompt caching), the tool ``report_lineage_claims`` forced with
``tool_choice``, and the chunk as delimited data. Answers are checked claim by claim: a bad claim
is dropped with a message in ``BackendAnswer.problems``, never an exception.

Calls run on a thread pool, never more than ``max_concurrency`` requests in flight across all
documents and callers of one backend. A request refused with 408, 409, 429 or 5xx (529 is
"overloaded"), or that cannot connect, is retried up to ``max_attempts`` in all: after the
server's ``Retry-After`` (``retry-after-ms``, seconds or an HTTP date; at most
``max_retry_after``), else after an exponential backoff with jitter. The SDK's own retries are
switched off, so waits stay bounded and attempts are counted in one place. When a chunk still
fails, :class:`ModelCallError` is raised for its document (the other chunks' answers are cached,
so a re-run asks only for what is missing).
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lineagekg.documents import Claim, SourceDocument
from lineagekg.errors import ConfigError, ModelCallError
from lineagekg.llm.cache import CacheEntryError, CallKey, CallRecord, ModelCallCache
from lineagekg.llm.grounding import Grounding
from lineagekg.llm.prompts import (
    CHUNK_CHARS,
    PROMPT_VERSION,
    TOOL_NAME,
    Chunk,
    alias_hints,
    chunk_document,
    read_claims,
    system_prompt,
    tool_definition,
    user_message,
)
from lineagekg.llm.protocol import BackendAnswer, Usage

if TYPE_CHECKING:
    import anthropic
    import httpx2

__all__ = ["DEFAULT_MODEL", "AnthropicBackend", "ModelCallError", "Retry"]

#: The model asked when none is named.
DEFAULT_MODEL = "claude-sonnet-4-6"


@dataclass(frozen=True)
class Retry:
    """One retried request: where, why (HTTP status, or None for a connection failure), the
    attempt that failed (from 1) and how long the backend waited before the next."""

    where: str
    status: int | None
    attempt: int
    wait: float


@dataclass(frozen=True)
class _Task:
    doc: int                       # index of the document in the batch
    document: SourceDocument
    text: str
    chunk: Chunk
    aliases: Mapping[str, str]     # names the chunk's known-name hints come from (on a cache miss)
    key: CallKey

    @property
    def where(self) -> str:
        return f"{self.document.url} (chunk {self.chunk.index + 1}/{self.chunk.count})"


@dataclass
class _Outcome:
    claims: list[Claim] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asks to wait: ``retry-after-ms``, else ``retry-after`` (seconds or an
    HTTP date); None when it does not say."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        when = email.utils.parsedate_tz(value)
        return None if when is None else float(email.utils.mktime_tz(when) - time.time())


def _error_detail(exc: anthropic.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return f"{err.get('type', 'error')}: {err.get('message', '')}".strip()
    return exc.message


class AnthropicBackend:
    """Claude as a tracing backend (``kind = "anthropic"``).

    Args:
        client: an ``anthropic.Anthropic`` client (its own retries are switched off here).
        model: the model to ask.
        cache: where answers are kept; None to ask every time.
        max_concurrency: requests in flight at most, across all documents and threads.
        max_attempts: attempts per chunk, the first included.
        chunk_chars: document characters per call.
        backoff: the first backoff wait, in seconds, doubled at each retry up to ``max_backoff``.
        max_retry_after: the longest ``Retry-After`` obeyed, in seconds.
    """

    kind = "anthropic"
    prompt_version = PROMPT_VERSION

    def __init__(self, client: anthropic.Anthropic, *, model: str = DEFAULT_MODEL,
                 cache: ModelCallCache | None = None, max_concurrency: int = 4, max_attempts: int = 4,
                 chunk_chars: int = CHUNK_CHARS, max_tokens: int = 4096, backoff: float = 1.0,
                 max_backoff: float = 30.0, max_retry_after: float = 60.0, timeout: float = 300.0,
                 corpus: object | None = None) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be 1 or more, not {max_concurrency}")
        if max_attempts < 1:
            raise ConfigError(f"max_attempts must be 1 or more, not {max_attempts}")
        if chunk_chars < 1_000:
            raise ConfigError(f"chunk_chars must be 1000 or more, not {chunk_chars}")
        self.model = model
        self.cache = cache
        self.max_concurrency = max_concurrency
        self.max_attempts = max_attempts
        self.chunk_chars = chunk_chars
        self.max_tokens = max_tokens
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.retries: list[Retry] = []          # every retry made, for reports and tests
        self.grounding = Grounding(corpus)      # names through the offline extractor's registry
        self._client = client.with_options(max_retries=0, timeout=timeout)
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()

    # --- the request --------------------------------------------------------------------------

    def request(self, document: SourceDocument, chunk: Chunk,
                hints: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """The Messages API parameters for one chunk."""
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system_prompt(), "cache_control": {"type": "ephemeral"}}],
            "tools": [tool_definition()],
            "tool_choice": {"type": "tool", "name": TOOL_NAME, "disable_parallel_tool_use": True},
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": user_message(document, chunk, hints)}]}],
        }

    def _plan(self, doc: int, document: SourceDocument, text: str,
              aliases: Mapping[str, str]) -> tuple[list[_Task], list[str]]:
        chunks, problems = chunk_document(document, text, budget=self.chunk_chars)
        sha = document.sha256 if text == document.text else SourceDocument(document.url, document.kind, text).sha256
        tasks = [_Task(doc, document, text, chunk, aliases,
                       CallKey(self.prompt_version, self.model, sha, chunk.index, chunk.sha256))
                 for chunk in chunks]
        return tasks, problems

    # --- answering ----------------------------------------------------------------------------

    def answer(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> BackendAnswer:
        """The claims stated in ``text``, with the problems met and the usage.

        Raises:
            ModelCallError: a chunk's call failed for good (after the retries).
        """
        result = self.answer_many([(document, text)], aliases)[0]
        if isinstance(result, ModelCallError):
            raise result
        return result

    def trace(self, document: SourceDocument, text: str, aliases: dict[str, str]) -> list[Claim]:
        """Just the claims (``answer(...).claims``)."""
        return self.answer(document, text, aliases).claims

    def answer_many(self, documents: Sequence[SourceDocument | tuple[SourceDocument, str]],
                    aliases: Mapping[str, str]) -> list[BackendAnswer | ModelCallError]:
        """Answer many documents at once, at most ``max_concurrency`` calls in flight; one result
        per document, in order: its answer, or the :class:`ModelCallError` that stopped it."""
        tasks: list[_Task] = []
        plan_problems: list[list[str]] = []
        for doc, item in enumerate(documents):
            document, text = item if isinstance(item, tuple) else (item, item.text)
            doc_tasks, problems = self._plan(doc, document, text, aliases)
            tasks.extend(doc_tasks)
            plan_problems.append(problems)
        outcomes = self._run(tasks)
        results: list[BackendAnswer | ModelCallError] = []
        for doc, item in enumerate(documents):
            document = item[0] if isinstance(item, tuple) else item
            mine = [(t, o) for t, o in zip(tasks, outcomes, strict=True) if t.doc == doc]
            result = self._gather(document, plan_problems[doc], mine)
            text = item[1] if isinstance(item, tuple) else item.text
            results.append(result if isinstance(result, ModelCallError)
                           else self.grounding.answer(result, aliases, text, document.url))
        return results

    def _gather(self, document: SourceDocument, problems: list[str],
                outcomes: list[tuple[_Task, _Outcome | ModelCallError]]) -> BackendAnswer | ModelCallError:
        claims: list[Claim] = []
        problems = list(problems)
        usage = Usage()
        failed: list[ModelCallError] = []
        for _, outcome in outcomes:
            if isinstance(outcome, ModelCallError):
                failed.append(outcome)
                continue
            claims.extend(outcome.claims)
            problems.extend(outcome.problems)
            usage = usage + outcome.usage
        answer = BackendAnswer(claims=claims, problems=problems, usage=usage)
        if not failed:
            return answer
        first = failed[0]
        more = f" (and {len(failed) - 1} more chunk(s))" if len(failed) > 1 else ""
        return ModelCallError(f"{first.message}{more}", document=document.url, status=first.status,
                              attempts=first.attempts, hint=first.hint, partial=answer)

    def _run(self, tasks: list[_Task]) -> list[_Outcome | ModelCallError]:
        if len(tasks) <= 1:
            return [self._do(t) for t in tasks]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(tasks)),
                                thread_name_prefix="lineagekg-anthropic") as pool:
            return list(pool.map(self._do, tasks))

    def _do(self, task: _Task) -> _Outcome | ModelCallError:
        """One chunk: from the cache, else from the model (and then into the cache)."""
        outcome = _Outcome()
        if self.cache is not None:
            try:
                record = self.cache.get(task.key)
            except CacheEntryError as exc:
                record = None
                outcome.problems.append(f"{task.where}: ignored a corrupt model-call cache entry "
                                        f"({exc.message}); asked the model again")
            if record is not None:
                claims, problems = read_claims(record.answer, task.document, task.text, task.where)
                outcome.claims, outcome.usage = claims, Usage(cache_hits=1)
                outcome.problems.extend(problems)
                return outcome
        try:
            hints = alias_hints(task.chunk.text, task.aliases)
            message = self._call(self.request(task.document, task.chunk, hints), task)
        except ModelCallError as exc:
            return exc
        record = self._record(task, message)
        if self.cache is not None:
            try:
                self.cache.put(record)
            except OSError as exc:
                outcome.problems.append(f"{task.where}: could not write the model-call cache "
                                        f"({self.cache.directory}: {exc.strerror or exc}); the answer is not kept")
        claims, problems = read_claims(record.answer, task.document, task.text, task.where)
        outcome.claims = claims
        outcome.problems.extend(problems)
        u = record.usage
        outcome.usage = Usage(input_tokens=u.get("input_tokens", 0), output_tokens=u.get("output_tokens", 0),
                              cache_read_tokens=u.get("cache_read_input_tokens", 0),
                              cache_write_tokens=u.get("cache_creation_input_tokens", 0), model_calls=1)
        return outcome

    def _record(self, task: _Task, message: anthropic.types.Message) -> CallRecord:
        calls, texts = [], []
        for block in message.content:
            if block.type == "tool_use":
                calls.append({"name": block.name, "input": block.input})
            elif block.type == "text":
                texts.append(block.text)
        usage = message.usage
        return CallRecord(
            key=task.key, document=task.document.url,
            answer={"tool_calls": calls, "text": "\n".join(texts), "stop_reason": message.stop_reason},
            usage={"input_tokens": usage.input_tokens or 0, "output_tokens": usage.output_tokens or 0,
                   "cache_read_input_tokens": usage.cache_read_input_tokens or 0,
                   "cache_creation_input_tokens": usage.cache_creation_input_tokens or 0},
            response_id=message.id, response_model=str(message.model))

    # --- one call, with retries ---------------------------------------------------------------

    def _retryable(self, response: httpx2.Response) -> bool:
        said = response.headers.get("x-should-retry")
        if said in ("true", "false"):
            return said == "true"
        return response.status_code in (408, 409, 429) or response.status_code >= 500

    def _wait(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        asked = _retry_after(headers)
        if asked is not None:
            return min(max(asked, 0.0), self.max_retry_after)
        return min(self.backoff * 2 ** (attempt - 1), self.max_backoff) * random.uniform(0.5, 1.0)

    def _call(self, params: dict[str, Any], task: _Task) -> anthropic.types.Message:
        import anthropic

        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            try:
                with self._slots:
                    return self._client.messages.create(**params)
            except anthropic.APIStatusError as exc:
                status = exc.status_code
                if not self._retryable(exc.response) or attempt >= self.max_attempts:
                    raise self._failure(task, f"the Messages API answered {status} ({_error_detail(exc)})",
                                        status, attempt) from exc
                wait = self._wait(attempt, exc.response.headers)
            except anthropic.APIConnectionError as exc:
                if attempt >= self.max_attempts:
                    raise self._failure(task, f"cannot reach the Messages API ({exc.message})", None,
                                        attempt) from exc
                wait = self._wait(attempt, None)
            except anthropic.APIError as exc:       # a response the SDK could not read
                raise self._failure(task, f"unreadable Messages API response ({exc.message})", None,
                                    attempt) from exc
            with self._lock:
                self.retries.append(Retry(task.where, status, attempt, wait))
            time.sleep(wait)

    def _failure(self, task: _Task, what: str, status: int | None, attempts: int) -> ModelCallError:
        if status in (401, 403):
            hint = "check ANTHROPIC_API_KEY (and the account's access to the model)"
        elif status == 413:
            hint = "the chunk is too large for the API: lower chunk_chars"
        elif status is None or status in (408, 409, 429) or status >= 500:
            hint = ("the API is busy or unreachable; chunks already answered are cached, so running "
                    "again later asks only for the rest")
        else:
            hint = "the request was refused; check the model name"
        return ModelCallError(f"{task.where}: {what}, after {attempts} attempt(s)", document=task.document.url,
                              status=status, attempts=attempts, hint=hint)

    def __repr__(self) -> str:
        return (f"AnthropicBackend(model={self.model!r}, prompt_version={self.prompt_version!r}, "
                f"max_concurrency={self.max_concurrency}, cache={self.cache!r})")
