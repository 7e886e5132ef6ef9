"""The ``cdisckit`` command line: parsing, dispatch and exit codes.

Exit codes: 0 done, 1 conformance or validation errors found, 2 bad input
(one line naming the file, the row or the spec path and what is wrong), 3
internal error (a bug: one line; the traceback only with ``--debug``).
"""

import argparse
import importlib
import os
import sys
import traceback

from specs.errors import InputError

from . import __version__

COMMANDS = ("run", "simulate", "sdtm", "adam", "define", "check", "convert", "dump", "xpt", "spec", "review",
            "compare", "trace")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="cdisckit",
        description="Raw clinical-trial data to SDTM/ADaM XPT v5, Define-XML 2.1 and conformance reports.")
    parser.add_argument("--version", action="version", version=f"cdisckit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"cdisckit.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"cdisckit.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except InputError as exc:
        problems = [" ".join(p.split()) for p in getattr(exc, "problems", [str(exc)])]
        print(f"cdisckit {args.command}: error: " + "\n".join(problems), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cdisckit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. piped into head): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:   # a bug of cdisckit, not of the input
        if args.debug:
            traceback.print_exc()
        detail = " ".join(str(exc).split())[:300]
        print(f"cdisckit {args.command}: internal error: {type(exc).__name__}: {detail} "
              f"(please report{'' if args.debug else '; --debug shows the traceback'})", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
