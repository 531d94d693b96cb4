"""Agent quality assessment (SOP Tata Cara Penilaian Kualitas Agen Melalui Call Recording): the domain of the
second process, ``bpmn/penilaian-kualitas-agen.bpmn``, which step 9 of LIP20-0008 starts by its message.

Sampling the calls (``sampling``), the score sheet read from the scoring form (``sheet``) and the actions the
model names (``actions``). The pages that show it are in ``engine.pages.quality``.
"""
from .actions import ACTIONS, RESULTS_URL
from .sheet import FATAL_FIELD, FEEDBACK_FIELD, NOTES_FIELD, SAMPLE_FIELD, SHEET_FIELD, Section, sections

__all__ = ["ACTIONS", "FATAL_FIELD", "FEEDBACK_FIELD", "NOTES_FIELD", "RESULTS_URL", "SAMPLE_FIELD", "SHEET_FIELD",
           "Section", "sections"]
