"""Copy CDISC's Dataset-JSON v1.1 JSON Schema into the package (``cdisckit/dataset_json_schema/``).

Usage: ``python scripts/copy_dataset_json_schema.py [REFERENCE_DIR]`` (default
``../shared/reference/dataset-json/schema``). The schema is written as UTF-8
with sorted keys and two-space indents; its content is unchanged, which
``tests/test_dataset_json.py`` checks against the reference when present.

Only ``dataset.schema.json`` is copied. CDISC's ``dataset-ndjson-schema.json``
(UTF-16) cannot be used: its ``$ref``s point at ``#/$defs/Column`` and
``#/$defs/SourceSystem``, which it does not define. The first line of an
NDJSON file is a Dataset-JSON document without ``rows`` (which are
optional), so the JSON schema checks it.
"""

import json
import sys
from pathlib import Path

SOURCES = {"dataset.schema.json": "dataset.schema.json"}
TARGET = Path(__file__).resolve().parent.parent / "cdisckit" / "dataset_json_schema"


def load_reference(path):
    """A reference schema file as a JSON value, whatever its Unicode encoding."""
    raw = Path(path).read_bytes()
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    return json.loads(raw.decode(encoding))


def packaged(schema):
    """The text a schema is stored as in the package."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    source = Path(argv[0] if argv else Path(__file__).resolve().parent.parent.parent
                  / "shared" / "reference" / "dataset-json" / "schema")
    TARGET.mkdir(exist_ok=True)
    for name, target in SOURCES.items():
        (TARGET / target).write_text(packaged(load_reference(source / name)), encoding="utf-8")
        print(f"{source / name} -> {TARGET / target}")


if __name__ == "__main__":
    main(sys.argv[1:])
