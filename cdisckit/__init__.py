"""cdisckit: raw clinical-trial data to an SDTM/ADaM submission package."""

__version__ = "0.1.0"
