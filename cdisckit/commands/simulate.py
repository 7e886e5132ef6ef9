"""``cdisckit simulate``: write the simulated EDC export of the example study."""

from __future__ import annotations

from specs.errors import InputError

from cdisckit.simulator import SEED, SUBJECTS, simulate


def register(subparsers):
    parser = subparsers.add_parser(
        "simulate", help="write a simulated EDC export (one CSV per CRF form and forms.yaml)",
        description="Write the simulated EDC export of the bundled study: one CSV per CRF form "
                    "and forms.yaml, the data dictionary of every raw column. The same seed and "
                    "number of subjects give byte-identical files.")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (created if missing)")
    parser.add_argument("--subjects", default=str(SUBJECTS), metavar="N",
                        help=f"consented subjects (default {SUBJECTS})")
    parser.add_argument("--seed", default=str(SEED), metavar="S", help=f"random seed (default {SEED})")
    parser.set_defaults(func=run)


def _whole_number(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{option} must be a whole number, got {text!r}") from None


def run(args) -> int:
    subjects = _whole_number(args.subjects, "--subjects")
    seed = _whole_number(args.seed, "--seed")
    forms = simulate(args.out, subjects=subjects, seed=seed)
    print(f"cdisckit simulate: {len(forms)} forms and forms.yaml for {subjects} subjects (seed {seed}) "
          f"in {args.out}")
    return 0
