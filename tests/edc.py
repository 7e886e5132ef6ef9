"""The tests' own reading of the simulated EDC export, independent of the engine:
dates written DD MMM YYYY (UN for an unknown day, UNK for an unknown month)
and HH:MM times, as ISO 8601 kept partial."""

import re

MONTHS = {m: i + 1 for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"))}


def iso(date, time=""):
    """``05 AUG 2019`` -> ``2019-08-05``; ``UN AUG 2019`` -> ``2019-08``; a time joins full dates only."""
    if date == "":
        return ""
    day, month, year = re.fullmatch(r"(\d\d|UN) ([A-Z]{3}|UNK) (\d{4})", date).groups()
    if month == "UNK":
        return year
    if day == "UN":
        return f"{year}-{MONTHS[month]:02d}"
    return f"{year}-{MONTHS[month]:02d}-{day}" + (f"T{time}" if time else "")


def usubjid(study, subject):
    """USUBJID of a raw SUBJECT number."""
    return f"{study.studyid}-{subject}"


def simulated(folder, subjects, seed):
    """The raw forms of a simulated export written to ``folder``, as the engine reads them."""
    from cdisckit.raw import read_raw
    from cdisckit.simulator import simulate
    simulate(folder, subjects=subjects, seed=seed)
    return read_raw(folder)[0]
