"""A backend that streams from an OpenAI-compatible server (vLLM, TGI, llama.cpp, transformers).

Only ``/models`` and the legacy ``/completions`` endpoint are used: they take raw prompt
text, so the prompts are exactly the ones the local engine would see. The tokenizer stays
local; the budget is fitted here, and every stop sequence is enforced here on the received
text, so stops behave as with the local engine whatever the server does with them.

Servers differ in what they accept beyond the OpenAI fields. ``top_k`` and the repetition
penalty go as top-level fields first (vLLM, llama.cpp); a server that rejects them by name
gets them inside a ``generation_config`` JSON string next (``transformers serve``, which also
needs it to sample at all when the model's own config says greedy); a server that rejects
both gets plain OpenAI fields. The first rejection costs one extra request; the choice is
remembered.

The penalty has two names: vLLM reads ``repetition_penalty``, llama.cpp's servers read
``repeat_penalty``, and each ignores the other's. Both are sent, always: llama-cpp-python's
server applies a penalty of 1.1 to a request that names none, so a task set to 1.0 must say so.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time

import httpx

from ..config import AppConfig
from ..engine.budget import fit_budget
from ..engine.requests import Completion, Request, TokenEvent
from ..engine.sampling import control_token_ids
from ..engine.text import TextTracker
from ..errors import (
    BackendError,
    ConfigError,
    LMDemoError,
    ModelError,
    UnavailableError,
)
from ..models import ModelManager
from ..models.loader import LoadedModel, Reason, load_spec, load_tokenizer
from ..notices import Notice
from ..params import SamplingParams
from .base import Capabilities
from .local import label_token_ids
from .openai_wire import (
    Pieces,
    Progress,
    StreamRequest,
    read_json,
    refused,
    server_error,
    sse_events,
    top_logprobs_of,
)

log = logging.getLogger(__name__)

# The OpenAI API takes at most 4 stop sequences; the rest are enforced only here.
MAX_SERVER_STOPS = 4
# vLLM's default --max-logprobs; OpenAI's own API allowed 5.
MAX_LOGPROBS = 20
# A label word missing from the top MAX_LOGPROBS is less likely than the last one listed; we
# score it as that one minus ln 2 (half its probability), a guess, not a measurement.
FLOOR_MARGIN = math.log(2.0)
# dialects, in the order tried (see the module docstring)
EXTRAS, GENERATION_CONFIG, PLAIN = "extras", "generation_config", "plain"


class OpenAIBackend:
    """Streams completions from one model on an OpenAI-compatible server."""

    kind = "openai"

    def __init__(self, config: AppConfig, model_name: str, manager: ModelManager,
                 server_context: int | None = None, transport: httpx.BaseTransport | None = None):
        self.url = config.backend.rstrip("/")  # type: ignore[union-attr]
        self.model_name = model_name
        self.timeout = config.backend_timeout
        self._manager = manager
        self._server_context = server_context  # vLLM lists its --max-model-len
        self._client = httpx.Client(timeout=httpx.Timeout(self.timeout), transport=transport,
                                    limits=httpx.Limits(max_connections=None))
        self._lock = threading.Lock()  # the dialect and the in-flight set
        # The probe can wait for a server that loads its model on first use (transformers
        # serve: 30-40 s); it has a lock of its own so streams start and end meanwhile.
        self._probe_lock = threading.Lock()
        self._dialect = EXTRAS
        self._logprobs: bool | None = None  # unknown until first needed
        self._inflight: set[StreamRequest] = set()
        self._controls: tuple[str, ...] | None = None  # control tokens' texts, longest first

    # ---- what this server can do --------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """Logprobs are probed with one 1-token request the first time this is read."""
        return Capabilities(logprobs=self._has_logprobs(), token_probs=False,
                            top_k=self._dialect != PLAIN)

    def _has_logprobs(self) -> bool:
        with self._probe_lock:
            if self._logprobs is None:
                body = {"model": self.model_name, "prompt": "Hello", "max_tokens": 1,
                        "temperature": 0, "logprobs": 1}
                try:
                    response = self._client.post(f"{self.url}/completions", json=body)
                except httpx.HTTPError as exc:
                    raise server_error(self.url, exc, self.timeout) from exc
                if response.status_code != 200:  # some servers fail on the field itself
                    log.info("Logprobs probe: HTTP %d %s", response.status_code,
                             response.text[:300])
                    self._logprobs = False
                else:
                    choices = read_json(response, self.url, "POST /completions").get("choices")
                    self._logprobs = bool(choices and top_logprobs_of(choices[0]))
                log.info("Model server %s returns logprobs: %s", self.url, self._logprobs)
            return self._logprobs

    @property
    def loaded(self) -> LoadedModel:
        """The local tokenizer (and weights, when given) that go with the served model."""
        return self._manager.get()

    @property
    def context_window(self) -> int:
        """The local model's window, or the server's when it says its own is smaller."""
        window = self.loaded.context_window
        return min(window, self._server_context) if self._server_context else window

    # ---- generation ---------------------------------------------------------------------
    def submit(self, prompt_ids: list[int], prompt: str, params: SamplingParams,
               exact_odds: bool = False) -> Request:
        """Fit the budget, then stream the completion on a thread of its own (the server's
        odds are what they are: ``exact_odds`` changes nothing here)."""
        tokenizer = self.loaded.tokenizer
        bos = getattr(tokenizer, "bos_token_id", None)
        budget = fit_budget(list(prompt_ids), params.max_new_tokens, self.context_window, bos)
        if budget.cut_tokens:
            prompt = tokenizer.decode(budget.prompt_ids, skip_special_tokens=True)  # type: ignore
        notices = budget.notices
        if self._dialect == PLAIN and (params.top_k or params.repetition_penalty != 1.0):
            notices += (Notice("This server does not accept top-k or repetition penalty; they "
                               "were not applied.", "notice_server_ignores"),)
        request = StreamRequest(budget.prompt_ids, params, budget.max_new_tokens, notices)
        with self._lock:
            self._inflight.add(request)
        threading.Thread(target=self._run, args=(request, prompt), daemon=True,
                         name="lmdemo-openai-stream").start()
        return request

    def _body(self, prompt: str, request: Request, dialect: str) -> dict:
        params = request.params
        body: dict[str, object] = {"model": self.model_name, "prompt": prompt, "stream": True,
                                   "max_tokens": request.max_new_tokens,
                                   "temperature": params.temperature, "seed": params.seed}
        if not params.greedy:
            body["top_p"] = params.top_p
        if params.stop:
            body["stop"] = list(params.stop[:MAX_SERVER_STOPS])
        if dialect == EXTRAS:
            if params.top_k and not params.greedy:
                body["top_k"] = params.top_k
            body["repetition_penalty"] = body["repeat_penalty"] = params.repetition_penalty
        elif dialect == GENERATION_CONFIG:
            eos = getattr(self.loaded.tokenizer, "eos_token_id", None)
            config = {"do_sample": not params.greedy, "max_new_tokens": request.max_new_tokens,
                      "repetition_penalty": params.repetition_penalty, "eos_token_id": eos,
                      "pad_token_id": eos}
            if not params.greedy:
                config.update(temperature=params.temperature, top_p=params.top_p,
                              top_k=params.top_k)
            body["generation_config"] = json.dumps(config)
        return body

    def _without_controls(self, text: str) -> str:
        """The text with control tokens (<pad>, <start_of_image>...) cut out.

        The local engine never samples them; a server may, and may stream their text. Servers
        send whole tokens per event, so each event's text is cleaned as it comes.
        """
        if self._controls is None:
            tokenizer = self.loaded.tokenizer
            texts = {tokenizer.decode([i]) for i in control_token_ids(tokenizer)}  # type: ignore
            self._controls = tuple(sorted((t for t in texts if len(t) > 1), key=len,
                                          reverse=True))
        for control in self._controls:
            text = text.replace(control, "")
        return text

    def _run(self, request: StreamRequest, prompt: str) -> None:
        pieces = Pieces()
        tracker = TextTracker(pieces, request.params.stop)
        progress = Progress()
        error: LMDemoError | None = None
        try:
            reason = self._stream(request, prompt, pieces, tracker, progress)
        except httpx.HTTPError as exc:
            reason = "error"  # after a cancel, the shut stream's read error is expected
            error = None if request.cancelled else server_error(self.url, exc, self.timeout)
        except LMDemoError as exc:
            reason, error = "error", exc
        except Exception:  # a bug: log it with its traceback, show a plain message
            log.exception("Reading the stream from %s failed", self.url)
            reason, error = "error", BackendError(key="err_server_read", url=self.url)
        finally:
            request.attach(None)
        if request.cancelled and reason not in ("stop", "length", "eos"):
            reason, error = "cancelled", None
        if reason in ("eos", "length", "stop"):  # a tail held back as a possible stop start
            self._emit(request, tracker.finish(), math.nan, progress)
        text = tracker.emitted
        ids = self.loaded.tokenizer(text, add_special_tokens=False)["input_ids"] if text else []
        completion = Completion(
            text=text, token_ids=list(ids), finish_reason=reason,
            prompt_tokens=len(request.prompt_ids), notice=request.notice,
            seconds=time.perf_counter() - request.submitted,
            first_token_seconds=(progress.first - request.submitted) if progress.first else None,
            events=progress.events)
        with self._lock:
            self._inflight.discard(request)
        request.finish(completion, error)

    def _emit(self, request: Request, text: str, probability: float, progress: Progress
              ) -> None:
        if not text:
            return
        progress.first = progress.first or time.perf_counter()
        event = TokenEvent(-1, text, probability)
        progress.events.append(event)
        request.emit(event)

    def _stream(self, request: StreamRequest, prompt: str, pieces: Pieces,
                tracker: TextTracker, progress: Progress) -> str:
        """POST the request and read its events; returns the finish reason."""
        while True:
            dialect = self._dialect
            body = self._body(prompt, request, dialect)
            with self._client.stream("POST", f"{self.url}/completions", json=body) as response:
                if response.status_code != 200:
                    answer = response.read().decode("utf-8", "replace")
                    if self._downgrade(dialect, response.status_code, answer):
                        continue
                    raise refused(self.url, response.status_code, answer)
                request.attach(response)
                if request.cancelled:
                    return "cancelled"
                for data in sse_events(response, self.url):
                    if "error" in data:
                        log.warning("Model server %s stopped mid-stream: %r", self.url, data)
                        raise BackendError(key="err_server_stopped", url=self.url)
                    choices = data.get("choices") or [{}]
                    choice = choices[0] if isinstance(choices[0], dict) else {}
                    text = self._without_controls(str(choice.get("text") or ""))
                    if text:
                        pieces.texts.append(str(text))
                        delta = tracker.add(len(pieces.texts) - 1)
                        lps = (choice.get("logprobs") or {}).get("token_logprobs") or []
                        prob = math.exp(lps[0]) if len(lps) == 1 and lps[0] is not None \
                            else math.nan
                        self._emit(request, delta, prob, progress)
                        if tracker.stopped:
                            return "stop"
                    reason = choice.get("finish_reason")
                    if reason == "length":
                        return "length"
                    if reason:  # the end of the text, or a stop sequence the server found
                        return "stop" if request.params.stop else "eos"
                    if request.cancelled:
                        return "cancelled"
                return "cancelled" if request.cancelled else "eos"

    def _downgrade(self, dialect: str, status: int, text: str) -> bool:
        """Step to the next dialect when the server rejects the fields this one adds."""
        fields = {EXTRAS: ("top_k", "repetition_penalty", "repeat_penalty"),
                  GENERATION_CONFIG: ("generation_config",)}.get(dialect, ())
        if status not in (400, 422) or not any(f in text for f in fields):
            return False
        with self._lock:
            if self._dialect == dialect:
                self._dialect = GENERATION_CONFIG if dialect == EXTRAS else PLAIN
                log.info("Model server %s rejects %s; sending %s from now on", self.url,
                         "/".join(fields), self._dialect)
        return True

    # ---- next-token probabilities -------------------------------------------------------
    def _top_logprobs(self, prompt: str, n: int, feature: str) -> dict[str, float]:
        if not self.capabilities.logprobs:
            raise UnavailableError(feature, key="err_server_no_logprobs", url=self.url)
        body = {"model": self.model_name, "prompt": prompt, "max_tokens": 1, "temperature": 0,
                "logprobs": max(1, min(n, MAX_LOGPROBS))}
        try:
            response = self._client.post(f"{self.url}/completions", json=body)
        except httpx.HTTPError as exc:
            raise server_error(self.url, exc, self.timeout) from exc
        if response.status_code != 200:
            raise refused(self.url, response.status_code, response.text)
        choices = read_json(response, self.url, "POST /completions").get("choices") or [{}]
        top = top_logprobs_of(choices[0]) if isinstance(choices[0], dict) else {}
        if not top:
            raise UnavailableError(feature, key="err_server_no_top_logprobs", url=self.url)
        return top

    def label_logprobs(self, prompt_ids: list[int], prompt: str,
                       labels: tuple[str, ...]) -> list[float]:
        """Log-probability of each label's first token; see FLOOR_MARGIN for unlisted ones."""
        top = self._top_logprobs(prompt, MAX_LOGPROBS, "sentiment score")
        tokenizer = self.loaded.tokenizer
        floor = min(top.values()) - FLOOR_MARGIN
        out = []
        for label, token_id in zip(labels, label_token_ids(tokenizer, labels), strict=True):
            piece = tokenizer.decode([token_id])  # type: ignore[attr-defined]
            out.append(top.get(piece, top.get(" " + label, floor)))
        return out

    def next_token_top(self, prompt_ids: list[int], prompt: str, n: int
                       ) -> list[tuple[str, float]]:
        """The server's ``n`` (at most 20) likeliest next tokens, best first."""
        top = self._top_logprobs(prompt, n, "next-token view")
        return sorted(top.items(), key=lambda item: -item[1])[:n]

    # ---- housekeeping -------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """This client's requests: waiting for the server's first byte, and streaming."""
        with self._lock:
            running = sum(1 for r in self._inflight if r.streaming)
            return {"waiting": len(self._inflight) - running, "running": running}

    def close(self) -> None:
        """Cancel what is in flight and close the connections."""
        with self._lock:
            inflight = list(self._inflight)
        for request in inflight:
            request.cancel()
        self._client.close()


def connect(config: AppConfig, transport: httpx.BaseTransport | None = None
            ) -> tuple[OpenAIBackend, ModelManager]:
    """Ask the server which model it serves; pair it with a local tokenizer (and weights)."""
    url = (config.backend or "").rstrip("/")
    try:
        with httpx.Client(timeout=config.backend_timeout, transport=transport) as client:
            response = client.get(f"{url}/models")
    except httpx.HTTPError as exc:
        raise server_error(url, exc, config.backend_timeout) from exc
    if response.status_code != 200:
        log.warning("GET %s/models: HTTP %d %s", url, response.status_code, response.text[:300])
        raise BackendError(key="err_server_models_status", url=url, status=response.status_code)
    data = read_json(response, url, "GET /models").get("data")
    entries = [m for m in data if isinstance(m, dict) and m.get("id")] \
        if isinstance(data, list) else []
    name, entry = _pick_model(url, entries, config.model)
    server_context = entry.get("max_model_len")
    manager = _local_manager(config, url, name)
    backend = OpenAIBackend(config, name, manager,
                            server_context if isinstance(server_context, int) else None,
                            transport)
    log.info("Model server %s serves %s", url, name)
    return backend, manager


def _pick_model(url: str, entries: list[dict], wanted: str | None) -> tuple[str, dict]:
    if not entries:
        raise BackendError(key="err_server_no_models", url=url)
    if len(entries) == 1:
        return str(entries[0]["id"]), entries[0]
    for entry in entries:
        if wanted and entry["id"] == wanted:
            return str(entry["id"]), entry
    names = ", ".join(str(e["id"]) for e in entries)
    raise BackendError(key="err_server_several_models", url=url, names=names)


def _local_manager(config: AppConfig, url: str, served: str) -> ModelManager:
    """The full local model when --model names one; else the served model's tokenizer only."""
    if config.model:
        reason = Reason("backend", f"{served} is served by the model server at {url}; "
                        f"{config.model} (--model) gives the tokenizer and the weights for "
                        "the views that look inside.", url)
        return ModelManager(config, loader=lambda spec, cfg, _: load_spec(spec, cfg, reason))
    reason = Reason("backend", f"{served} is served by the model server at {url}; only its "
                    "tokenizer is loaded here.", url)
    manager = ModelManager(config.with_overrides(model=served),
                           loader=lambda spec, cfg, _: load_tokenizer(spec, cfg, reason))
    try:
        manager.get()
    except ModelError as exc:
        log.warning("No local tokenizer for %s: %s", served, exc)
        raise ConfigError(key="err_server_no_tokenizer", url=url, name=repr(served)) from exc
    return manager
