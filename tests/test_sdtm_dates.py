"""Raw dates that do not exist are errors in every EDC date style, even when a
later part is unknown; real ones (29 February of a leap year) are read."""

import pandas as pd
import pytest

from sdtm.iso8601 import parse_dates

MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def _write(style, year, month, day):
    """A raw date in ``style`` from text parts (month as a number, or a name for MMM)."""
    name = MONTHS[int(month) - 1] if month.isdigit() and 1 <= int(month) <= 12 else month
    return (style.replace("YYYY", year).replace("MMM", name if "MMM" in style else "")
            .replace("MM", month).replace("DD", day))


STYLES = ["DD MMM YYYY", "DD-MMM-YYYY", "MM/DD/YYYY", "MM-DD-YYYY", "YYYY-MM-DD"]
IMPOSSIBLE = [("2023", "03", "45"), ("2023", "03", "00"), ("2023", "04", "31"), ("2023", "02", "29"),
              ("2100", "02", "29"), ("2023", "01", "32")]
BAD_MONTHS = [("2023", "00", "10"), ("2023", "13", "10")]


@pytest.mark.parametrize("style", STYLES)
def test_impossible_days_are_errors(style):
    raw = [_write(style, *parts) for parts in IMPOSSIBLE]
    iso, bad = parse_dates(pd.Series(raw), style)
    assert bad.tolist() == [True] * len(raw), raw
    assert iso.tolist() == [""] * len(raw)


@pytest.mark.parametrize("style", [s for s in STYLES if "MMM" not in s])
def test_month_zero_and_thirteen_are_errors(style):
    raw = [_write(style, *parts) for parts in BAD_MONTHS]
    iso, bad = parse_dates(pd.Series(raw), style)
    assert bad.tolist() == [True, True], raw


@pytest.mark.parametrize("style", STYLES)
def test_leap_days_and_month_ends_are_read(style):
    raw = [_write(style, "2024", "02", "29"), _write(style, "2000", "02", "29"), _write(style, "2023", "04", "30")]
    iso, bad = parse_dates(pd.Series(raw), style)
    assert bad.tolist() == [False] * 3
    assert iso.tolist() == ["2024-02-29", "2000-02-29", "2023-04-30"]


@pytest.mark.parametrize("style", STYLES)
def test_an_impossible_day_before_an_unknown_part_is_still_an_error(style):
    raw = [_write(style, "2023", "UN", "45"), _write(style, "2023", "UN", "00"), _write(style, "2023", "UN", "UN")]
    iso, bad = parse_dates(pd.Series(raw), style)
    assert bad.tolist() == [True, True, False], raw
    assert iso.tolist() == ["", "", "2023"]


def test_a_list_of_styles_rejects_impossible_days_of_the_style_it_fits():
    iso, bad = parse_dates(pd.Series(["02/29/2023", "2023", "02/29/2024", "00/10/2023"]), ["MM/DD/YYYY", "YYYY"])
    assert bad.tolist() == [True, False, False, True]
    assert iso.tolist() == ["", "2023", "2024-02-29", ""]
