"""One module per command of the command line.

Each module has ``register(subparsers)``, which adds its parser and sets
``func`` to a function taking the parsed arguments and returning the exit
code. Bad input is raised as ``specs.errors.InputError``.
"""
