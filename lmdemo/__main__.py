"""``python -m lmdemo``: run a task (one subcommand each), ``serve`` the app or ``eval`` a task."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import LMDemoError


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with its subcommands: every registered task, serve and eval."""
    from .cli import add_task_parsers
    from .eval import cli as eval_cli

    parser = argparse.ArgumentParser(
        prog="python -m lmdemo", description="Explore how language models do tasks.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=18),
        epilog="Run 'python -m lmdemo COMMAND --help' for a command's options. Model and "
        "backend settings also come from LMDEMO_* variables, as for the app.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_task_parsers(sub)
    # serve's flags are app.py's own; they pass through unparsed
    sub.add_parser("serve", help="launch the web app (flags as for app.py)", add_help=False)
    eval_parser = sub.add_parser("eval", help="score a task on a data set against a baseline")
    eval_cli.add_arguments(eval_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the subcommand; LMDemoErrors become one-line messages."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "serve":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "serve":
            from .ui.launch import main as serve_main  # lazy: only `serve` needs gradio

            serve_main(rest)
            return 0
        if args.command == "eval":
            from .eval import cli as eval_cli

            args.argv = list(sys.argv[1:] if argv is None else argv)  # eval all prints it
            return eval_cli.run(args)
        return args.run_command(args)
    except LMDemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the task's stream was closed on the way out: request cancelled
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
