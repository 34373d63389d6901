"""``python -m lmdemo compare TEXT --models a,b``: two models side by side on one text.

Prints each model's tokens, its ten likeliest next tokens under the decoding options, the
exact prompt it got and its answer (both written at the same time, with the same seed), or
the ``/compare`` endpoint's result as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import TextIO

from ..config import add_model_arguments
from ..tasks import PROMPT_TASK, get_task, prompt_tasks
from .commands import (
    MODEL_FLAGS,
    STDIN,
    add_decoding_arguments,
    add_output_arguments,
    decoding_params,
    load,
    task_config,
)

HELP = "two models side by side: tokens, next-token odds and answers (needs --models A,B)"


def add_compare_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    parser = sub.add_parser("compare", help=HELP, description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", default=STDIN,
                        help="the text both models read; omit it or give '-' to read stdin")
    parser.add_argument("--task", default=PROMPT_TASK, choices=prompt_tasks(),
                        help="the task both run on the text (default: %(default)s)")
    add_decoding_arguments(parser, get_task(PROMPT_TASK).defaults)
    add_output_arguments(parser, "print the /compare endpoint's result as JSON")
    model = parser.add_argument_group("models (also LMDEMO_* variables)")
    add_model_arguments(model)  # --models A,B names the two
    parser.set_defaults(run_command=run_compare)


def run_compare(args: argparse.Namespace, environ: Mapping[str, str] | None = None,
                stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the comparison; LMDemoErrors propagate to ``__main__`` (exit 2)."""
    stdout = stdout or sys.stdout
    params = decoding_params(args, get_task(PROMPT_TASK).defaults)
    config = task_config(args, environ, (*MODEL_FLAGS, "models", "max_models"))
    # torch and transformers: not needed for --help
    from ..inspection.compare import compare, pick_models
    from ..shelf import Shelf

    shelf = Shelf(config)
    try:
        names = pick_models(shelf, list(config.models))  # before anything loads
        shelf.check()  # a name that is no model, before reading stdin
        prompt = args.prompt
        if prompt == STDIN:
            stdin = stdin or sys.stdin
            if stdin.isatty():
                print("Reading the text from stdin (end with Ctrl-D)…", file=sys.stderr)
            prompt = stdin.read()
        runtimes = [shelf.runtime(name) for name in names]
        for runtime in runtimes:
            load(runtime, args)
        result = compare(runtimes, names, prompt, params, args.task)
    finally:
        shelf.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False), file=stdout, flush=True)
    else:
        print(format_comparison(result), file=stdout, flush=True)
    return 0


def format_comparison(result: Mapping[str, object]) -> str:
    """The comparison as text, one section per model; tokens in their visible form (␣ for
    a space, "你 (1/2)" for part of a character)."""
    sections = []
    for side in result["models"]:  # type: ignore[union-attr]
        tokens = " | ".join(tok["display"] for tok in side["tokens"])
        top = "\n".join(f"  {quoted(c['token']):<24}{c['probability']:7.2%}"
                        for c in side["next_tokens"])
        output = side["output"]
        sections.append(f"== {side['model']}\n"
                        f"tokens ({side['token_count']}): {tokens}\n"
                        f"next tokens:\n{top}\n"
                        f"prompt sent ({result['task']}): {quoted(side['sent'])}\n"
                        f"output:\n{output if isinstance(output, str) else quoted(output)}")
    return "\n\n".join(sections)


def quoted(value: object) -> str:
    """A value as JSON writes it: a token's spaces and newlines visible."""
    return json.dumps(value, ensure_ascii=False)
