"""``python -m lmdemo``: run a task (one subcommand each), ``compare`` two models, ``serve`` the
app or ``eval`` a task."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .cli.logs import held_logs
from .errors import LMDemoError


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with its subcommands: every registered task, serve and eval."""
    from .cli import add_task_parsers
    from .cli.compare import add_compare_parser
    from .eval import cli as eval_cli

    parser = argparse.ArgumentParser(
        prog="python -m lmdemo", description="Explore how language models do tasks.",
        formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=18),
        epilog="Run 'python -m lmdemo COMMAND --help' for a command's options. Model and "
        "backend settings also come from LMDEMO_* variables, as for the app.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_task_parsers(sub)
    add_compare_parser(sub)
    # serve's flags are app.py's own; they pass through unparsed
    sub.add_parser("serve", help="launch the web app (flags as for app.py)", add_help=False)
    eval_parser = sub.add_parser("eval", help="score a task on a data set against a baseline")
    eval_cli.add_arguments(eval_parser)
    return parser


def command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The subcommand's own parser: its errors show its usage line, not the top level's."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the subcommand; LMDemoErrors become one-line messages."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        from .ui.launch import main as serve_main  # lazy: only `serve` needs gradio

        serve_main(rest, prog=f"{parser.prog} serve")
        return 0
    if rest:
        command_parser(parser, args.command).error(
            f"unrecognized arguments: {' '.join(rest)}")
    with held_logs() as logs:
        try:
            if args.command == "eval":
                from .eval import cli as eval_cli

                args.argv = list(sys.argv[1:] if argv is None else argv)  # eval all prints it
                return eval_cli.run(args)
            return args.run_command(args)
        except LMDemoError as exc:
            logs.drop()  # the message below says what the log lines would
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:  # the stream was closed on the way out: request cancelled
            print("\ninterrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
