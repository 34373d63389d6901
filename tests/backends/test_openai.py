"""The OpenAI-compatible backend, against a scripted fake server and the real `transformers serve`.

The fake server (``http.server`` on a thread, 127.0.0.1, a free port) records every request
body and answers as each test scripts it; the slow tests start `transformers serve` on the
tiny random GPT-2 and go through Runtime and TaskService like the app does.
"""

from __future__ import annotations

import json
import math
import os
import select
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from lmdemo.backends.openai import FLOOR_MARGIN, OpenAIBackend, connect
from lmdemo.config import AppConfig
from lmdemo.errors import BackendError, ConfigError, UnavailableError
from lmdemo.params import make_params
from lmdemo.runtime import Runtime
from lmdemo.tasks import TaskService


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Script:
    """What the fake server answers; tests change the fields they need."""

    def __init__(self, model_ids: list[str]):
        self.models: object = {"object": "list", "data": [{"id": m} for m in model_ids]}
        self.pieces = [" Hello", " wor", "ld", "!"]
        self.finish = "length"
        self.delay = 0.0  # seconds between pieces
        self.hang_after: int | None = None  # stop sending after this many pieces
        self.stall_before = 0.0  # seconds before the headers
        self.raw: bytes | None = None  # a completions body sent as is
        self.status = 200
        self.top: dict[str, float] | None = None  # top logprobs; None: no logprobs
        self.reject: tuple[str, ...] = ()  # fields answered with 422, as transformers does
        self.bodies: list[dict] = []
        self.client_closed = threading.Event()


def handler_for(script: Script):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != "/v1/models":
                return self._send(404, b'{"detail": "Not Found"}')
            models = script.models
            self._send(200, models if isinstance(models, bytes) else json.dumps(models).encode())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.bodies.append(body)
            time.sleep(script.stall_before)
            rejected = set(body) & set(script.reject)
            if rejected:
                detail = f"Unexpected fields in the request: {rejected}"
                return self._send(422, json.dumps({"detail": detail}).encode())
            if script.status != 200:
                return self._send(script.status, b'{"error": {"message": "no"}}')
            if not body.get("stream"):
                logprobs = {"top_logprobs": [script.top]} if script.top is not None else None
                choice = {"text": " x", "index": 0, "logprobs": logprobs, "finish_reason": "length"}
                return self._send(200, json.dumps({"choices": [choice]}).encode())
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes
            if script.raw is not None:
                self.wfile.write(script.raw)
                return
            for i, piece in enumerate(script.pieces):
                if script.hang_after is not None and i == script.hang_after:
                    return self._wait_for_close()
                self._event({"choices": [{"text": piece, "index": 0}]})
                time.sleep(script.delay)
            self._event({"choices": [{"text": "", "index": 0, "finish_reason": script.finish}]})
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, data: dict) -> None:
            self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

        def _wait_for_close(self) -> None:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                ready, _, _ = select.select([self.connection], [], [], 0.02)
                if ready and self.connection.recv(1, socket.MSG_PEEK) == b"":
                    script.client_closed.set()
                    return

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-answer is what several tests do on purpose


@pytest.fixture
def fake(tiny_model_dir):
    """A fake server listing the tiny model's folder, as `transformers serve FOLDER` does."""
    script = Script([str(tiny_model_dir)])
    server = QuietServer(("127.0.0.1", 0), handler_for(script))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield script
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tokenizer_only(tiny_config, tiny_model_dir):
    """The tiny model's tokenizer, loaded once as `connect` loads it for a served folder."""
    from lmdemo.models import ModelManager
    from lmdemo.models.loader import load_tokenizer

    manager = ModelManager(tiny_config, loader=lambda spec, cfg, reason: load_tokenizer(
        spec, cfg, reason))
    manager.get()
    return manager


def backend_for(script: Script, tiny_config: AppConfig, manager, timeout: float = 5.0,
                server_context: int | None = None) -> OpenAIBackend:
    """A backend on the fake server, sharing one loaded tokenizer (connect is tested above)."""
    config = tiny_config.with_overrides(backend=script.url, backend_timeout=timeout)
    return OpenAIBackend(config, script.models["data"][0]["id"], manager, server_context)


def text_of(request) -> str:
    return "".join(event.text for chunk in request.chunks() for event in chunk)


# ---- connecting ---------------------------------------------------------------------------
def test_served_folder_gives_the_tokenizer_only(fake, tiny_config, tiny_model_dir):
    backend, manager = connect(tiny_config.with_overrides(model=None, backend=fake.url + "/"))
    loaded = manager.get()
    assert backend.model_name == str(tiny_model_dir) and backend.kind == "openai"
    assert loaded.model is None and loaded.context_window == 512
    assert loaded.reason.key == "backend" and fake.url in loaded.reason.text
    assert loaded.num_parameters == 0


def test_several_models_need_a_choice(fake, tiny_config):
    fake.models = {"data": [{"id": "a"}, {"id": "b", "max_model_len": 64}]}
    with pytest.raises(BackendError, match=r"several models \(a, b\).*--model"):
        connect(tiny_config.with_overrides(model=None, backend=fake.url))
    backend, manager = connect(tiny_config.with_overrides(model="b", backend=fake.url))
    assert backend.model_name == "b" and backend._server_context == 64
    assert manager.loaded is None  # --model's full copy loads on first use, not here


def test_unknown_served_model_asks_for_a_local_folder(fake, tiny_config):
    fake.models = {"data": [{"id": "some-org/not-cached-model"}]}
    with pytest.raises(ConfigError, match="--model FOLDER"):
        connect(tiny_config.with_overrides(model=None, backend=fake.url))


@pytest.mark.parametrize(
    ("models", "message"),
    [
        (b"<html>hello</html>", "not answer GET /models like an OpenAI-compatible API"),
        ({"data": []}, "lists no model"),
    ],
)
def test_a_bad_model_list_gets_a_clear_message(fake, tiny_config, models, message):
    fake.models = models
    with pytest.raises(BackendError, match=message):
        connect(tiny_config.with_overrides(model=None, backend=fake.url))


def test_wrong_path_says_to_give_the_v1_url(fake, tiny_config):
    url = fake.url.removesuffix("/v1")
    with pytest.raises(BackendError, match=r"HTTP 404.*/v1"):
        connect(tiny_config.with_overrides(model=None, backend=url))


def test_server_down_is_a_plain_message(tiny_config):
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(BackendError, match="Could not reach the model server") as info:
        connect(tiny_config.with_overrides(backend=url))
    assert url in str(info.value) and "Errno" not in str(info.value)


# ---- generating ---------------------------------------------------------------------------
def test_text_streams_in_pieces_and_settings_are_sent(fake, tiny_config, tokenizer_only):
    fake.delay = 0.05
    backend = backend_for(fake, tiny_config, tokenizer_only)
    params = make_params(temperature=0.8, top_p=0.9, top_k=0, seed=7, max_new_tokens=20,
                         repetition_penalty=1.0)
    request = backend.submit([15496], "Hello", params)
    chunks = [[e.text for e in chunk] for chunk in request.chunks()]
    assert len(chunks) > 1 and "".join(sum(chunks, [])) == " Hello world!"
    assert all(math.isnan(e.probability) for e in request.completion.events)
    assert request.completion.finish_reason == "length"
    body = fake.bodies[-1]
    assert body["stream"] is True and body["prompt"] == "Hello"
    assert (body["temperature"], body["top_p"], body["seed"], body["max_tokens"]) == (
        0.8, 0.9, 7, 20)
    assert "top_k" not in body and "stop" not in body
    backend.close()


# What llama-cpp-python's server applies to a field a request leaves out (its
# llama_cpp/server/types.py); it ignores fields it does not know, such as vLLM's name.
LLAMA_CPP_PYTHON_DEFAULTS = {"repeat_penalty": 1.1}


@pytest.mark.parametrize("penalty", [1.0, 1.3])
def test_the_penalty_goes_under_the_name_each_server_reads(fake, tiny_config, tokenizer_only,
                                                           penalty):
    backend = backend_for(fake, tiny_config, tokenizer_only)
    backend.submit([15496], "Hello", make_params(repetition_penalty=penalty)).result()
    body = fake.bodies[-1]
    assert body["repetition_penalty"] == penalty  # vLLM
    # Before, 1.0 went unsent and llama-cpp-python's server applied 1.1.
    assert {**LLAMA_CPP_PYTHON_DEFAULTS, **body}["repeat_penalty"] == penalty  # llama.cpp
    backend.close()


def test_greedy_is_sent_as_temperature_zero(fake, tiny_config, tokenizer_only):
    backend = backend_for(fake, tiny_config, tokenizer_only)
    backend.submit([15496], "Hello", make_params(temperature=0, top_k=40)).result()
    body = fake.bodies[-1]
    assert body["temperature"] == 0 and "top_k" not in body and "top_p" not in body
    backend.close()


def test_stop_sequences_are_enforced_here_and_at_most_four_sent(fake, tiny_config, tokenizer_only):
    backend = backend_for(fake, tiny_config, tokenizer_only)
    stops = ["a1", "a2", "a3", "a4", "world", "a6"]
    request = backend.submit([15496], "Hello", make_params(stop=stops))
    assert text_of(request) == " Hello "  # "world" arrived as " wor" + "ld"
    assert request.completion.finish_reason == "stop"
    assert fake.bodies[-1]["stop"] == stops[:4]
    backend.close()


def test_server_end_of_text_is_eos(fake, tiny_config, tokenizer_only):
    fake.finish = "stop"
    backend = backend_for(fake, tiny_config, tokenizer_only)
    assert backend.submit([15496], "Hello", make_params()).result().finish_reason == "eos"
    backend.close()


def test_long_prompts_are_cut_to_the_window_here(fake, tiny_config, tokenizer_only):
    backend = backend_for(fake, tiny_config, tokenizer_only, server_context=40)
    ids = backend.loaded.tokenizer(" one" * 60)["input_ids"]
    request = backend.submit(ids, " one" * 60, make_params(max_new_tokens=10))
    request.result()
    assert fake.bodies[-1]["prompt"] == " one" * 30 and "first 30 tokens were cut" in request.notice
    backend.close()


@pytest.mark.parametrize(
    ("reject", "sent"),
    [
        ((), {"top_k": 5, "repetition_penalty": 1.3, "repeat_penalty": 1.3}),  # vLLM, llama.cpp
        (("top_k", "repetition_penalty", "repeat_penalty"), {"generation_config"}),  # transformers
        (("top_k", "repetition_penalty", "repeat_penalty", "generation_config"), set()),  # OpenAI
    ],
)
def test_top_k_goes_where_the_server_takes_it(fake, tiny_config, tokenizer_only, reject, sent):
    fake.reject = reject
    backend = backend_for(fake, tiny_config, tokenizer_only)
    params = make_params(top_k=5, repetition_penalty=1.3)
    assert text_of(backend.submit([15496], "Hello", params)) == " Hello world!"
    later = backend.submit([15496], "Hello", params)
    later.result()
    extras = {k: v for k, v in fake.bodies[-1].items()
              if k in ("top_k", "repetition_penalty", "repeat_penalty", "generation_config")}
    assert set(extras) == set(sent)
    if isinstance(sent, dict):
        assert extras == sent
    if "generation_config" in extras:
        config = json.loads(extras["generation_config"])
        assert config["top_k"] == 5 and config["do_sample"] and config["eos_token_id"] == 50256
    assert backend.capabilities.top_k == bool(sent)
    assert ("not applied" in later.notice) == (not sent)
    backend.close()


def test_cancel_closes_the_stream_at_once(fake, tiny_config, tokenizer_only):
    fake.hang_after = 1
    backend = backend_for(fake, tiny_config, tokenizer_only)
    request = backend.submit([15496], "Hello", make_params())
    chunks = request.chunks()
    assert [e.text for e in next(chunks)] == [" Hello"]
    assert backend.stats() == {"waiting": 0, "running": 1}
    started = time.monotonic()
    request.cancel()
    assert fake.client_closed.wait(2.0)
    assert list(chunks) == [] and request.completion.finish_reason == "cancelled"
    assert request.error is None and time.monotonic() - started < 1.0
    assert backend.stats() == {"waiting": 0, "running": 0}
    backend.close()


def test_a_stalled_stream_times_out_with_a_plain_error(fake, tiny_config, tokenizer_only):
    fake.hang_after = 2
    backend = backend_for(fake, tiny_config, tokenizer_only, timeout=0.3)
    request = backend.submit([15496], "Hello", make_params())
    with pytest.raises(BackendError, match=r"did not answer within 0.3 s.*--backend-timeout"):
        text_of(request)
    assert request.completion.text == " Hello wor" and request.completion.finish_reason == "error"
    backend.close()


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        # Not a stream: before, each was an empty answer with no message and no log line.
        (b"<html>oops</html>\n", 200, "not answer POST /completions like an OpenAI-compatible"),
        (b'{"choices": [{"text": " x"}]}', 200, "not answer POST /completions like an OpenAI"),
        (b"", 200, "not answer POST /completions like an OpenAI-compatible API"),
        (b"data: {not json}\n\n", 200, "not an OpenAI-style completion stream"),
        (b'data: {"error": "CUDA out of memory"}\n\n', 200, "stopped with an error"),
        (None, 500, r"failed \(HTTP 500\)"),
        (None, 400, r"refused the request \(HTTP 400\): no"),
    ],
)
def test_bad_answers_get_a_plain_message(fake, tiny_config, tokenizer_only, raw, status, message):
    fake.raw, fake.status = raw, status
    backend = backend_for(fake, tiny_config, tokenizer_only)
    request = backend.submit([15496], "Hello", make_params())
    with pytest.raises(BackendError, match=message) as info:
        text_of(request)
    assert "CUDA" not in str(info.value) and "Traceback" not in str(info.value)
    assert backend.url in str(info.value)
    backend.close()


def test_a_task_on_a_server_that_does_not_stream_names_the_url(fake, tiny_config):
    fake.raw = b"<!doctype html><title>Welcome</title>\n"
    config = tiny_config.with_overrides(model=None, backend=fake.url, backend_timeout=5.0)
    service = TaskService(Runtime(config))
    for name in ("generate", "summarize"):
        with pytest.raises(BackendError, match="OpenAI-compatible") as info:
            list(service.run(name, "It rained all day.").stream())
        assert fake.url in str(info.value)
    service.close()


# ---- log-probabilities --------------------------------------------------------------------
def test_sentiment_uses_the_servers_logprobs(fake, tiny_config, tokenizer_only):
    fake.top = {" positive": -0.5, " negative": -1.5, " the": -2.0}
    backend = backend_for(fake, tiny_config, tokenizer_only)
    assert backend.capabilities.logprobs
    assert backend.label_logprobs([1], "Sentiment:", ("positive", "negative")) == [-0.5, -1.5]
    assert fake.bodies[-1]["logprobs"] == 20 and fake.bodies[-1]["max_tokens"] == 1
    fake.top = {" positive": -0.5, " the": -2.0}  # " negative" is not among the top ones
    floor = -2.0 - FLOOR_MARGIN
    assert backend.label_logprobs([1], "x", ("positive", "negative")) == [-0.5, floor]
    assert backend.next_token_top([1], "x", 1) == [(" positive", -0.5)]
    backend.close()


def test_sentiment_through_the_task_service(fake, tiny_config):
    fake.top = {" positive": -0.2, " negative": -2.0}
    config = tiny_config.with_overrides(model=None, backend=fake.url, backend_timeout=5.0)
    service = TaskService(Runtime(config))
    result = service.sentiment("a fine film")
    assert set(result.raw) == {"positive", "negative"}
    assert any(b["prompt"].endswith("Review: a fine film\nSentiment:") for b in fake.bodies)
    service.close()


def test_no_logprobs_means_unavailable(fake, tiny_config, tokenizer_only):
    backend = backend_for(fake, tiny_config, tokenizer_only)
    assert not backend.capabilities.logprobs and not backend.capabilities.token_probs
    with pytest.raises(UnavailableError, match="does not return them"):
        backend.next_token_top([1], "x", 5)
    backend.close()


# ---- the real thing: transformers serve ---------------------------------------------------
@pytest.fixture(scope="module")
def served(tiny_model_dir, tmp_path_factory):
    """`transformers serve` on the tiny model, on a free port; killed at the end."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", "--host",
               "127.0.0.1", "--port", str(port), "--device", "cpu", str(tiny_model_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("transformers serve did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def served_service(served, tiny_config):
    service = TaskService(Runtime(tiny_config.with_overrides(backend=served,
                                                             backend_timeout=120.0)))
    yield service
    service.close()


@pytest.mark.slow
def test_transformers_serve_streams_and_samples(served_service):
    params = make_params(temperature=1.0, top_k=20, seed=3, max_new_tokens=12)
    texts = [list(served_service.run("generate", "The cat", params=params).stream())
             for _ in range(2)]
    assert texts[0][-1] and len(texts[0]) > 2  # pieces, then the cleaned answer
    # The seed is honoured. Compare the answers, not the lists: a slow reader gets several
    # pieces at once (Request.chunks), so how the text was cut depends on timing.
    assert texts[0][-1] == texts[1][-1]
    other = served_service.run("generate", "The cat", params=make_params(
        temperature=1.0, top_k=20, seed=4, max_new_tokens=12)).answer()
    assert other != texts[0][-1]  # it samples: `generation_config` turned do_sample on
    assert served_service.runtime.remote


@pytest.mark.slow
def test_transformers_serve_greedy_matches_the_local_engine(served_service, tiny_runtime):
    params = make_params(temperature=0, max_new_tokens=12, stop=["\n"])
    remote = served_service.run("generate", "Once upon a time", params=params)
    local = TaskService(tiny_runtime).run("generate", "Once upon a time", params=params)
    assert remote.request.result().text == local.request.result().text


@pytest.mark.slow
def test_transformers_serve_cancel_and_no_logprobs(served_service):
    run = served_service.run("generate", "The cat", params=make_params(max_new_tokens=400))
    chunks = run.request.chunks()
    next(chunks)
    run.request.cancel()
    started = time.monotonic()
    list(chunks)
    assert run.request.completion.finish_reason == "cancelled"
    assert time.monotonic() - started < 5
    with pytest.raises(UnavailableError, match="does not return them"):
        served_service.sentiment("a fine film")


def test_control_tokens_a_server_streams_are_not_shown(fake, tiny_config, tokenizer_only):
    fake.pieces = [" an", " octopus.", "<|endoftext|>", "In", " fact"]
    backend = backend_for(fake, tiny_config, tokenizer_only)
    request = backend.submit([15496], "Hello", make_params(max_new_tokens=20))
    assert text_of(request) == " an octopus.In fact"
    assert "<|endoftext|>" not in request.completion.text
    backend.close()
