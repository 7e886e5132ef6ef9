"""SDTM -> ADaM: a spec-driven engine (``build_adam``) over a toolkit of small
derivations that take and return DataFrames (dates and imputation, merges,
baseline, flags, time-to-event, EORTC QLQ-C30 scoring)."""

from .engine import build_adam

__all__ = ["build_adam"]
