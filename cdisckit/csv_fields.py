"""CSV fields as pandas' ``to_csv`` writes them: Python's csv writer with minimal
quoting (quoted, quotes doubled, when a value holds a comma, a quote or a line
break). For writers that build CSV text a column at a time instead of row by row
(the simulator's export, the lineage file), so their bytes stay pandas' bytes."""

import csv
import io

import numpy as np

SPECIAL = ',"\r\n'


def csv_field(text):
    """One text as the csv writer writes it among other fields ("" stays "")."""
    if not text:
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([text])
    return out.getvalue()[:-1]


def csv_fields(values):
    """``csv_field`` of each text of an object array; the csv writer only for those
    holding a character that may need quoting."""
    if not any(c in "".join(values) for c in SPECIAL):
        return values
    out = values.copy()
    for i in np.flatnonzero([any(c in value for c in SPECIAL) for value in values]):
        out[i] = csv_field(values[i])
    return out
