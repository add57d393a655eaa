"""The ``derive`` command: the parser assembled from one module per subcommand, and ``main``,
the one place errors become exit codes.

Exit codes, the same for every command (``common.EXIT_*``): 0 every claim certified; 1 some claim
refuted; 2 bad input or usage; 3 over the time/memory/size budget, or nothing refuted but something
unknown or not computed; 4 a TeX or internal failure; 130 interrupted (Ctrl-C), 128 + N stopped by
signal N (143 for SIGTERM, 141 when the reader of the output went away).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from derive.cli import build, check, common, diff, grad, ls, mle, parse, stress
from derive.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_REFUTED, EXIT_UNDECIDED, EXIT_USAGE

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_REFUTED", "EXIT_UNDECIDED", "EXIT_USAGE", "build_parser", "main"]

_EXPR_COMMANDS = ("diff", "grad", "parse")
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public so tests and docs can inspect it)."""
    from derive import __version__

    parser = common.Parser(
        prog="derive",
        description="Certified step-by-step derivatives, gradients and worked-solution handouts.",
        epilog="Run 'derive COMMAND --help' for examples.\n\n" + common.wrapped(common.EXIT_CODES_HELP),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"derive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=common.Parser)
    for command in (diff, grad, ls, mle, check, parse, build, stress):
        command.add_parser(sub)
    for p in sub.choices.values():  # every subcommand documents the same exit codes
        p.epilog = f"{(p.epilog or '').rstrip()}\n\n{common.wrapped(common.EXIT_CODES_HELP)}\n"
    return parser


def _protect_leading_minus(argv: list[str]) -> list[str]:
    """Let an expression start with '-' ('-x^2'): argparse would take it for an option.

    diff and grad have no short options but -h, so any other '-...' token that is not a
    long option is an expression; a leading space makes argparse see a positional.
    """
    if not argv or argv[0] not in _EXPR_COMMANDS:
        return argv
    return [a if not a.startswith("-") or a.startswith("--") or a == "-h" else " " + a for a in argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``derive`` console script."""
    parser = build_parser()
    args = parser.parse_args(_protect_leading_minus(list(sys.argv[1:] if argv is None else argv)))
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from derive.core.errors import BudgetExceeded, DeriveError, RenderError, escape_control
    from derive.core.runner import Interrupted, session

    try:
        common.check_pdf_target(getattr(args, "pdf", None))
        with session(scratch=args.command == "build" or getattr(args, "pdf", None) is not None):
            code: int = args.run(args)
            return code
    except BudgetExceeded as exc:
        print(f"derive: {exc.one_line()}", file=sys.stderr)
        return EXIT_UNDECIDED
    except RenderError as exc:
        print(f"derive: {exc.one_line()}", file=sys.stderr)
        return EXIT_FAILURE
    except DeriveError as exc:
        print(f"derive: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return _EXIT_INTERRUPTED
    except Interrupted as exc:
        print(f"derive: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader went away (derive ... | head): as if by SIGPIPE, silently
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second failure at exit
        return _EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug in derive: one line, exit 4, never a traceback
        message = escape_control(" ".join(str(exc).split())[:300])
        print(f"derive: internal error: {type(exc).__name__}: {message} (please report this input)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
