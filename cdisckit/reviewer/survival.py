"""Kaplan-Meier estimates for the review page: the product-limit survival
curve, numbers at risk and the median (the first time the curve is at or
below one half)."""

import numpy as np
import pandas as pd


def kaplan_meier(time, event):
    """Product-limit estimate: one row per distinct time with subjects at
    risk, events, censorings and the survival just after that time.

    ``time`` and ``event`` (True/1 for an event, False/0 for a censoring) are
    aligned sequences; missing times are dropped."""
    frame = pd.DataFrame({"time": pd.to_numeric(pd.Series(time), errors="coerce").to_numpy(),
                          "event": np.asarray(event, dtype=bool)}).dropna(subset=["time"])
    grouped = frame.groupby("time")["event"].agg(events="sum", total="size").reset_index()
    grouped["censored"] = grouped["total"] - grouped["events"]
    grouped["at_risk"] = len(frame) - grouped["total"].cumsum().shift(fill_value=0)
    grouped["survival"] = (1 - grouped["events"] / grouped["at_risk"]).cumprod()
    return grouped[["time", "at_risk", "events", "censored", "survival"]].astype(
        {"at_risk": int, "events": int, "censored": int})


def median_time(curve):
    """The smallest time where survival is at or below 0.5; None when not reached."""
    reached = curve.loc[curve["survival"] <= 0.5 + 1e-12, "time"]
    return None if reached.empty else float(reached.iloc[0])


def at_risk(time, points):
    """Subjects still at risk (time >= t) at each of ``points``."""
    values = pd.to_numeric(pd.Series(time), errors="coerce").dropna().to_numpy()
    return [int((values >= t).sum()) for t in points]
