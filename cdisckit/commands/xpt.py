"""``cdisckit xpt dump FILE``: the first name of ``cdisckit dump`` (see ``dump``)."""

from .dump import add_dump


def register(subparsers):
    parser = subparsers.add_parser("xpt", help="inspect dataset files (xpt dump = dump)",
                                   description="Inspect dataset files; `xpt dump` is `dump`.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add_dump(actions)
