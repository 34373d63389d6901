"""``python -m lmdemo``: ``serve`` the app or ``eval`` a task."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import LMDemoError


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with its subcommands."""
    from .eval import cli as eval_cli

    parser = argparse.ArgumentParser(prog="python -m lmdemo",
                                     description="Explore how language models do tasks.")
    sub = parser.add_subparsers(dest="command", required=True)
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
        from .eval import cli as eval_cli

        return eval_cli.run(args)
    except LMDemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
