"""Progress lines for long steps: shown on a terminal, quiet in CI and pipes."""

import os
import sys


def reporter(stream=None):
    """A function printing one progress line, or doing nothing off a terminal."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or not stream.isatty():
        return lambda message: None
    return lambda message: print(message, file=stream, flush=True)
