"""One subcommand per registered task, built from its contract; nothing here names a task.

``python -m lmdemo TASK TEXT... [options]`` takes the text fields as positional arguments
(the first from stdin when it is omitted or ``-``), choice fields and flags as options, and
the decoding controls under the API's parameter names. It streams the answer to stdout, or
prints the API's result as JSON with ``--json``; notices and progress go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TextIO

from ..config import (
    AppConfig,
    add_backend_arguments,
    add_model_arguments,
    check_config,
    load_config,
    one_model,
)
from ..errors import ConfigError, InputError
from ..params import (
    MAX_NEW_TOKENS,
    REPETITION_PENALTY,
    SEED,
    TEMPERATURE,
    TOP_K,
    TOP_P,
    Range,
    SamplingParams,
    make_params,
)
from ..tasks import Task, all_tasks
from ..tasks.contract import FLAG, TEXT
from .progress import LoadProgress

# The decoding options, named like the API parameters (``--max-new-tokens``).
DECODING: tuple[tuple[str, Range, type], ...] = (
    ("temperature", TEMPERATURE, float), ("top_k", TOP_K, int), ("top_p", TOP_P, float),
    ("max_new_tokens", MAX_NEW_TOKENS, int), ("repetition_penalty", REPETITION_PENALTY, float),
    ("seed", SEED, int),
)
# The app's model flags, copied from its own parser so help and choices stay in one place.
MODEL_FLAGS = ("model", "device", "dtype", "quantize", "cache_dir")
STDIN = "-"


def option(name: str) -> str:
    """The command-line spelling of an API name: ``max_new_tokens`` -> ``--max-new-tokens``."""
    return "--" + name.replace("_", "-")


def add_task_parsers(sub: argparse._SubParsersAction) -> None:
    """Add one subcommand per registered task, in registry order."""
    for task in all_tasks():
        parser = sub.add_parser(task.name, help=task.doc, description=task.doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
        add_task_arguments(parser, task)
        parser.set_defaults(run_command=run_task, task_object=task)


def add_task_arguments(parser: argparse.ArgumentParser, task: Task) -> None:
    """The task's fields, template, decoding, model and output options."""
    texts = [f for f in task.inputs if f.kind == TEXT]
    for i, f in enumerate(texts):
        if i == 0:  # omitted or "-": read from stdin
            parser.add_argument(f.name, nargs="?", default=STDIN,
                                help=f"{f.help} Omit it or give '-' to read it from stdin.")
        elif f.default is not None:
            parser.add_argument(f.name, nargs="?", default=f.default,
                                help=f"{f.help} (default: %(default)s)")
        else:
            parser.add_argument(f.name, help=f.help)
    inputs = parser.add_argument_group("task options")
    for f in task.fields:
        if f.kind == FLAG:
            inputs.add_argument(option(f.name), action=argparse.BooleanOptionalAction,
                                default=f.default, help=f"{f.help} (default: %(default)s)")
        elif f.kind != TEXT:  # a choice: the task checks it, case-insensitively, with its message
            inputs.add_argument(option(f.name), default=f.default, metavar=f.name.upper(),
                                help=f"{f.help} One of: {', '.join(f.choices)} "
                                "(default: %(default)s)")
    prompt = inputs.add_mutually_exclusive_group()
    prompt.add_argument("--template", help="the prompt template with {slots} filled from the "
                        "inputs, or @FILE to read it from a file (default: the task's own)")
    if task.presets:
        prompt.add_argument("--preset", choices=list(task.presets),
                            help="a named alternative prompt template")
    inputs.add_argument("--chat", action=argparse.BooleanOptionalAction, default=None,
                        help="on an instruct model, wrap the prompt in its chat template "
                        "(--chat) or send it as text (--no-chat); default: the task's "
                        "measured choice")
    if task.streams:  # a score has no decoding, like its API endpoint
        add_decoding_arguments(parser, task.defaults)
    add_output_arguments(parser, "print the API's result as JSON instead of streaming text")
    model = parser.add_argument_group("model and backend (also LMDEMO_* variables)")
    add_model_arguments(model)
    add_backend_arguments(model)


def add_decoding_arguments(parser: argparse.ArgumentParser, defaults: Mapping[str, object]
                           ) -> None:
    """The decoding options under the API's names, ``defaults`` over SamplingParams'."""
    decoding = parser.add_argument_group("decoding (as the API parameters)")
    for name, rng, kind in DECODING:
        default = defaults.get(name, getattr(SamplingParams, name))
        decoding.add_argument(option(name), type=kind, default=default, metavar="N",
                              help=f"{rng.label}, {_num(rng.low)} to {_num(rng.high)} "
                              "(default: %(default)s)")
    decoding.add_argument("--stop", action="append", metavar="TEXT",
                          help="a stop sequence (repeatable; \\n stands for a newline)")


def add_output_arguments(parser: argparse.ArgumentParser, json_help: str) -> None:
    """``--json`` and ``--progress``."""
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help=json_help)
    output.add_argument("--progress", action=argparse.BooleanOptionalAction,
                        help="show load progress on stderr (default: when stderr is a terminal)")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def task_config(args: argparse.Namespace, environ: Mapping[str, str] | None,
                names: Iterable[str] = (*MODEL_FLAGS, "backend", "backend_timeout")
                ) -> AppConfig:
    """Defaults, then ``LMDEMO_*`` variables, then this command's flags ``names``, as the app
    reads them. Without "models" in ``names`` the command runs on one model: ``--model``,
    else the default of ``LMDEMO_MODELS``; ``--models`` and ``--max-models`` are refused."""
    config = load_config([], environ)
    if "models" not in names:
        if args.models is not None or args.max_models is not None:
            raise ConfigError(key="err_cli_models")
        config = one_model(config, args.model)
    flags = {name: getattr(args, name) for name in names}
    return check_config(config.with_overrides(**{k: v for k, v in flags.items() if v is not None}))


def task_inputs(task: Task, args: argparse.Namespace, stdin: TextIO) -> dict[str, object]:
    """The field values by name; the first text field comes from stdin when asked."""
    values = {f.name: getattr(args, f.name) for f in task.fields}
    first = next((f for f in task.inputs if f.kind == TEXT), None)
    if first is not None and values[first.name] == STDIN:
        if stdin.isatty():
            print(f"Reading the {first.noun} from stdin (end with Ctrl-D)…", file=sys.stderr)
        values[first.name] = stdin.read()
    return values


def task_template(task: Task, args: argparse.Namespace) -> str | None:
    """The template given by ``--template`` (``@FILE`` reads a file) or ``--preset``."""
    preset = getattr(args, "preset", None)
    if preset is not None:
        return task.preset(preset)
    if args.template is None or not args.template.startswith("@"):
        return args.template
    path = Path(args.template[1:]).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(key="err_template_file", path=path, reason=exc.strerror) from exc


def task_params(task: Task, args: argparse.Namespace) -> SamplingParams:
    """Decoding settings: the task's defaults overridden by the options (checked once)."""
    if not task.streams:
        return make_params(**task.defaults)
    return decoding_params(args, task.defaults)


def decoding_params(args: argparse.Namespace, defaults: Mapping[str, object]) -> SamplingParams:
    """The decoding options as SamplingParams (checked once); no ``--stop``: the default's."""
    values = {name: getattr(args, name) for name, _, _ in DECODING}
    stop = args.stop if args.stop is not None else defaults.get("stop")
    return make_params(**values, stop=stop)  # type: ignore[arg-type]


def run_task(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
             stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one task subcommand; LMDemoErrors propagate to ``__main__`` (exit 2)."""
    task: Task = args.task_object.with_chat(args.chat)
    stdout = stdout or sys.stdout
    # Check everything the user typed before the model loads: a typo should fail in a moment.
    params = task_params(task, args)
    template = task_template(task, args)
    inputs = task_inputs(task, args, stdin or sys.stdin)
    config = task_config(args, environ)
    task.values(inputs, config.max_input_chars)  # run() checks again; this needs no model
    from ..runtime import Runtime  # torch and transformers: not needed for --help

    runtime = Runtime(config)
    try:
        load(runtime, args)
        run = task.run(runtime, inputs, params, template)
        chat = task.template_notice(runtime)
        if chat.key != "chat_template_none":  # a base model's prompt is plain text: no note
            print(f"note: {chat.text}", file=sys.stderr)
        if run.notice:
            print(f"note: {run.notice}", file=sys.stderr)
        if args.json:
            print(json.dumps(run.answer(), ensure_ascii=False), file=stdout, flush=True)
        elif task.streams:
            stream_text(run, stdout)
        else:
            print(format_scores(run.answer()), file=stdout, flush=True)
    finally:
        runtime.close()
    return 0


def load(runtime, args: argparse.Namespace) -> None:
    """Load the runtime's model (or connect to its server) under a progress line on stderr
    (``--progress``; by default when stderr is a terminal)."""
    config = runtime.config
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    what = f"Connecting to {config.backend}" if config.backend else (
        f"Loading {config.model or 'the default model'}")
    with LoadProgress(what, show), quiet_transformers():
        runtime.backend  # noqa: B018 - loads the model (or connects) under the progress line


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' own per-file bars: stderr has ours, or is no terminal at all."""
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def stream_text(run, out: TextIO) -> None:
    """Write the answer as it grows, cleaned as the API cleans it, then a newline.

    Each growing text is post-processed before it is shown, so what reaches stdout is the
    API's answer (no leading space, no cut sentence). The stream's last value is already
    post-processed, hence the one-value look-behind.
    """
    shown, pending = "", None
    with closing(run.stream()) as values:  # closing it early cancels the request
        for value in values:
            if pending is not None:
                shown = _extend(out, shown, run.postprocess(pending))
            pending = value
    final = str(pending or "")
    if final.startswith(shown):
        out.write(final[len(shown):])
    else:  # cleaning the whole text changed what was shown: rare, say it plainly
        out.write("\n" + final)
    out.write("\n")
    out.flush()


def _extend(out: TextIO, shown: str, text: str) -> str:
    if text.startswith(shown) and len(text) > len(shown):
        out.write(text[len(shown):])
        out.flush()
        return text
    return shown


def format_scores(scores: Mapping[str, float] | Iterable) -> str:
    """Label probabilities as lines, most likely first: ``positive  0.873``."""
    pairs = sorted(dict(scores).items(), key=lambda kv: -kv[1])  # type: ignore[arg-type]
    return "\n".join(f"{label:<10}{p:.3f}" for label, p in pairs)
