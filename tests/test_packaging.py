"""Every data file of the packages is declared as package data, so that an
installed cdisckit (not the source tree) has its specs, schemas and standards."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_data_file_of_a_package_is_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = config["tool"]["setuptools"]["package-data"]
    missing = []
    for package in ("specs", "sdtm", "adam", "define", "cdisckit"):
        root = REPO / package
        covered = {p for pattern in declared.get(package, []) for p in root.glob(pattern)}
        data = {p for p in root.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
                and "__pycache__" not in p.parts}
        missing += sorted(str(p.relative_to(REPO)) for p in data - covered)
    assert missing == []
