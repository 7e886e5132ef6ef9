"""Reviewer documents: the annotated CRF, the Study Data and Analysis Data
Reviewer's Guides (PDF and HTML), and the review page of the study's pictures.

Everything is generated from the specs, the raw export's data dictionary, the
datasets and the conformance findings; the text a sponsor writes by hand comes
from the study's ``reviewers_guide.yaml``.
"""
