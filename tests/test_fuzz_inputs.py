"""The inputs an attacker or a careless user sends, through the Python API and the served API.

Each case gets its own worded message (never "Something went wrong inside lmdemo"), the same
through ``TaskService``/the inspection functions and through the server, which stays up.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from lmdemo.errors import InputError, LMDemoError
from lmdemo.inspection import api_next_token, attention, neighbors, tokenize
from lmdemo.inspection.bias import bias_probe
from lmdemo.params import make_params
from lmdemo.tasks.service import TaskService
from lmdemo.ui.i18n import say_message

BIG = "x" * 200_000
CAP = "the limit is 20,000. Shorten it and try again."


def too_long(what: str) -> str:
    return f"The {what} is 200,000 characters long; {CAP}"


def slot_extra(shown: str, extra: str = "a format spec") -> str:
    return (f"The prompt template's slot {shown} has {extra} after its name. A slot is only a "
            "name in braces: write {text}.")


def broken(what: str, position: int = 3) -> str:
    return (f"The {what} contains a broken character (U+D800, half of a UTF-16 pair) at "
            f"position {position}. Delete it, or copy the text again from its source.")


NEXT_EMPTY = "Type the start of a sentence to see what the model expects next."
PROMPT_TEMPLATE = "{text}"  # the generate task's slot (its field "prompt" fills {text})

# (case id, endpoint, positional API arguments, expected message). The Python side of each
# case is in PYTHON below, under the same id.
CASES = [
    ("template-200k", "/generate", ["hi", "{text}" + BIG[6:]], too_long("prompt template")),
    ("template-width", "/generate", ["hi", "{text:x>100000}"], slot_extra("{text:x>100000}")),
    ("template-nested-width", "/generate", ["hi", "[{text:>{text.__class__.__basicsize__}}]"],
     slot_extra("{text:>{text.__class__.__basicsize__}}")),
    ("template-mro", "/summarize", ["An article.", "{article:{article.__class__.__mro__}}"],
     "The prompt template's slot {article:{article.__class__.__mro__}} has a format spec after "
     "its name. A slot is only a name in braces: write {article}."),
    ("template-self-spec", "/generate", ["hi", "{text:{text}}"], slot_extra("{text:{text}}")),
    ("template-d", "/generate", ["hi", "{text:d}"], slot_extra("{text:d}")),
    ("template-conversion", "/generate", ["hi", "{text!r}"],
     slot_extra("{text!r}", "a conversion")),
    ("template-unclosed", "/generate", ["hi", "{text} {"],
     "The prompt template has a “{” at character 8 that opens a slot it never closes. Write a "
     "slot as a name in braces, like {text}; to write a brace as text, type it twice."),
    ("task-text-200k", "/summarize", [BIG], too_long("article")),
    ("next-token-200k", "/next_token", [BIG], too_long("prompt")),
    ("neighbors-200k", "/neighbors", [BIG], too_long("word")),
    ("tokenize-200k", "/tokenize", [BIG], too_long("text")),
    ("attention-200k", "/attention", [BIG], too_long("text")),
    ("bias-words-200k", "/bias_probe", ["The {} was", BIG], too_long("list of words")),
    ("next-token-empty", "/next_token", [""], NEXT_EMPTY),
    ("next-token-number", "/next_token", [5], "The prompt must be text; got a number."),
    ("neighbors-list", "/neighbors", [["king"]], "The word must be text; got a list."),
    ("tokenize-number", "/tokenize", [3.5], "The text must be text; got a number."),
    ("attention-list", "/attention", [["a"]], "The text must be text; got a list."),
    ("generate-number", "/generate", [5], "The prompt must be text; got a number."),
    ("summarize-list", "/summarize", [["a", "b"]], "The article must be text; got a list."),
    ("answer-object", "/answer", ["Some context.", {"q": 1}],
     "The question must be text; got an object."),
    ("template-number", "/generate", ["hi", 7], "The prompt template must be text; got a number."),
    ("temperature-1e308", "/generate", ["hi", "", 1e308],
     "Temperature must be between 0 and 2; got 1e+308."),
    ("stop-number", "/generate", ["hi", "", 0.5, 5, 0.9, 8, 1.0, 1, 12345],
     "Stop sequences must be text; got 12345."),
    ("stop-list-of-numbers", "/generate", ["hi", "", 0.5, 5, 0.9, 8, 1.0, 1, ["a", 5]],
     "Stop sequences must be text; got 5."),
]


def _svc(runtime):
    return TaskService(runtime)


PYTHON = {
    "template-200k": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                 template="{text}" + BIG[6:]),
    "template-width": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                  template="{text:x>100000}"),
    "template-nested-width": lambda rt: _svc(rt).preview(
        "generate", "hi", max_new_tokens=8, template="[{text:>{text.__class__.__basicsize__}}]"),
    "template-mro": lambda rt: _svc(rt).preview("summarize", "An article.", max_new_tokens=8,
                                                template="{article:{article.__class__.__mro__}}"),
    "template-self-spec": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                      template="{text:{text}}"),
    "template-d": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                              template="{text:d}"),
    "template-conversion": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                       template="{text!r}"),
    "template-unclosed": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                     template="{text} {"),
    "task-text-200k": lambda rt: _svc(rt).preview("summarize", BIG, max_new_tokens=8),
    "next-token-200k": lambda rt: api_next_token(rt, BIG),
    "neighbors-200k": lambda rt: neighbors(rt, BIG),
    "tokenize-200k": lambda rt: tokenize(rt, BIG),
    "attention-200k": lambda rt: attention(rt, BIG, 0, "mean"),
    "bias-words-200k": lambda rt: bias_probe(rt, "The {} was", BIG),
    "next-token-empty": lambda rt: api_next_token(rt, ""),
    "next-token-number": lambda rt: api_next_token(rt, 5),
    "neighbors-list": lambda rt: neighbors(rt, ["king"]),
    "tokenize-number": lambda rt: tokenize(rt, 3.5),
    "attention-list": lambda rt: attention(rt, ["a"], 0, "mean"),
    "generate-number": lambda rt: _svc(rt).preview("generate", 5, max_new_tokens=8),
    "summarize-list": lambda rt: _svc(rt).preview("summarize", ["a", "b"], max_new_tokens=8),
    "answer-object": lambda rt: _svc(rt).preview("answer", "Some context.", {"q": 1},
                                                 max_new_tokens=8),
    "template-number": lambda rt: _svc(rt).preview("generate", "hi", max_new_tokens=8,
                                                   template=7),
    "temperature-1e308": lambda rt: make_params(temperature=1e308),
    "stop-number": lambda rt: make_params(stop=12345),
    "stop-list-of-numbers": lambda rt: make_params(stop=["a", 5]),
}

IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(("name", "api", "args", "message"), CASES, ids=IDS)
def test_python_api_names_the_problem(tiny_runtime, name, api, args, message):
    with pytest.raises(InputError) as caught:
        PYTHON[name](tiny_runtime)
    assert str(caught.value) == message
    error = caught.value
    assert error.key  # so the visitor reads it in Chinese, without "{{"
    chinese = say_message(message, error.key, error.fields, "zh-CN")
    ours = chinese.replace(str(error.fields.get("shown", "")), "")  # the visitor's own slot
    assert chinese != message and "{{" not in ours and "}}" not in ours


@pytest.mark.parametrize(("name", "api", "args", "message"), CASES, ids=IDS)
def test_served_api_names_the_problem(client, name, api, args, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        client.predict(*args, api_name=api)
    assert str(caught.value) == message


# ---- lone surrogates: JSON can carry "\ud800", which no tokenizer can read --------------------
SURROGATES = [
    ("/generate", broken("prompt")),
    ("/summarize", broken("article")),
    ("/next_token", broken("prompt")),
    ("/neighbors", broken("word")),
    ("/tokenize", broken("text")),
    ("/attention", broken("text")),
]


def test_python_api_names_a_lone_surrogate(tiny_runtime):
    text = "ok\ud800"
    calls = [lambda: _svc(tiny_runtime).preview("generate", text, max_new_tokens=8),
             lambda: _svc(tiny_runtime).preview("summarize", text, max_new_tokens=8),
             lambda: api_next_token(tiny_runtime, text),
             lambda: neighbors(tiny_runtime, text),
             lambda: tokenize(tiny_runtime, text),
             lambda: attention(tiny_runtime, text, 0, "mean")]
    for call, (_, message) in zip(calls, SURROGATES, strict=True):
        with pytest.raises(InputError) as caught:
            call()
        assert str(caught.value) == message


def raw_call(client, api: str, first: str) -> tuple[str, str]:
    """Call an endpoint over plain HTTP with ``first`` as its first value and the defaults
    after it (gradio_client cannot encode a lone surrogate; ``json.dumps`` escapes it, as any
    JSON client may); returns the SSE event name and its data."""
    params = client.view_api(print_info=False, return_format="dict")["named_endpoints"][api]
    data = [first, *(p.get("parameter_default") for p in params["parameters"][1:])]
    body = json.dumps({"data": data})  # "ok\\ud800", in ASCII
    base = client.src.rstrip("/")
    with httpx.Client(timeout=60) as http:
        started = http.post(f"{base}/gradio_api/call{api}", content=body.encode("ascii"),
                            headers={"content-type": "application/json"})
        started.raise_for_status()
        event_id = started.json()["event_id"]
        event = data = ""
        with http.stream("GET", f"{base}/gradio_api/call{api}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data = line.removeprefix("data:").strip()
                    if event in ("error", "complete"):
                        return event, data
    return event, data


@pytest.mark.parametrize(("api", "message"), SURROGATES, ids=[case[0] for case in SURROGATES])
def test_served_api_names_a_lone_surrogate(client, api, message):
    event, data = raw_call(client, api, "ok\ud800")
    assert event == "error"
    assert json.loads(data)["error"] == message


def test_a_users_error_is_one_short_log_line(client, caplog, capfd):
    from gradio_client.exceptions import AppError

    secret = "my private essay " + "y" * 300
    with caplog.at_level(logging.INFO, logger="lmdemo"):
        with pytest.raises(AppError):
            client.predict(secret, "{text:{text}} " + secret, api_name="/generate")
        with pytest.raises(AppError):
            client.predict(secret + BIG, api_name="/next_token")
    rejected = [r for r in caplog.records if r.name == "lmdemo.ui.adapters"]
    assert len(rejected) == 2
    for record in rejected:
        line = record.getMessage()
        assert record.exc_info is None and "\n" not in line and "Traceback" not in line
        assert "y" * 41 not in line and len(line) <= 240
    assert "Traceback" not in capfd.readouterr().err  # nor printed by Gradio


def test_uploads_are_refused(client):
    with httpx.Client(timeout=30) as http:
        base = client.src.rstrip("/")
        answer = http.post(f"{base}/gradio_api/upload",
                           files={"files": ("notes.txt", b"x" * 100_000, "text/plain")})
        assert answer.status_code == 403
        assert answer.json() == {"detail": "This app takes no files: uploads are turned off."}
        assert "/" not in answer.text.replace("/gradio_api", "")  # no server path leaks
        assert http.post(f"{base}/gradio_api/upload/").status_code == 403


def test_the_server_stays_up_after_the_fuzz(client):
    # runs after the cases above in file order: the same server still answers normal calls
    tokens = client.predict("Hello world", api_name="/tokenize")
    assert "".join(t["token"] for t in tokens) == "Hello world"
    assert isinstance(client.predict("Hello", api_name="/generate"), str)


def test_every_refusal_is_a_typed_error_not_a_bug(tiny_runtime):
    # an LMDemoError is worded for the visitor; anything else would reach them as
    # "Something went wrong inside lmdemo"
    for name, call in PYTHON.items():
        try:
            call(tiny_runtime)
        except LMDemoError:
            continue
        pytest.fail(f"{name} was accepted")
