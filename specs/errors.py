"""Errors for bad input, shared by every layer.

Anything the user can fix (a spec, a raw file, an argument) raises an
``InputError`` whose message names the file, the place inside it and what is
wrong; the command line turns it into one line and exit code 2.
"""


class InputError(Exception):
    """Bad input that the user can fix; the message is shown as is."""


class SpecError(InputError):
    """One or more problems in a study's specs, each naming file and path."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
