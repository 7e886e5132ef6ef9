"""Analysis windows of a regular schedule: each record's target day and window.

A schedule of assessments every ``every`` days from day ``first`` gives the
targets first, first + every, ...; a record belongs to the target nearest
its analysis day (the earlier on a tie), whose window runs from the day
after the midpoint with the previous target to the midpoint with the next
(AWLO, AWHI; the first window has no lower end), and AWTDIFF is its distance
from the target. Flagging the record nearest each
target (ANL01FL) is then a first occurrence ordered by AWTDIFF.
"""

import numpy as np
import pandas as pd

from specs.errors import InputError

OUTPUTS = ("AWTARGET", "AWLO", "AWHI", "AWTDIFF")


def derive_var_window(dataset, new_var, source_var, first, every, output):
    """Add ``new_var``: the AWTARGET, AWLO, AWHI or AWTDIFF (``output``) of analysis
    day ``source_var`` in a schedule every ``every`` days from day ``first``."""
    if every <= 0:
        raise InputError(f"analysis windows: every {every!r} must be a positive number of days")
    if output not in OUTPUTS:
        raise InputError(f"analysis windows: output {output!r} must be one of {', '.join(OUTPUTS)}")
    days = pd.to_numeric(dataset[source_var], errors="coerce").to_numpy(dtype="float64")
    steps = np.maximum(0.0, np.ceil((days - first) / every - 0.5))
    target = first + steps * every
    values = {"AWTARGET": target, "AWLO": np.where(steps == 0, np.nan, target - np.ceil(every / 2) + 1),
              "AWHI": target + np.floor(every / 2), "AWTDIFF": np.abs(days - target)}
    return dataset.assign(**{new_var: np.where(np.isnan(days), np.nan, values[output])})
