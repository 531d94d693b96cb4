"""Call outcome codes of an outbound information campaign (one outcome per call attempt)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One call outcome: code, labels, whether it ends the contact and whether the right party was reached."""

    code: str
    label_id: str
    label_en: str
    is_final: bool
    is_reached: bool


OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("tersampaikan", "Informasi tersampaikan", "Information delivered", True, True),
        Outcome("sudah_melaksanakan", "Sudah melaksanakan", "Already filed/paid", True, True),
        Outcome("minta_dihubungi_kembali", "Minta dihubungi kembali", "Callback requested", True, True),
        Outcome("menolak", "Menolak", "Refused", True, True),
        Outcome("curiga_penipuan", "Curiga penipuan", "Suspects fraud", True, True),
        Outcome("bukan_yang_bersangkutan", "Bukan yang bersangkutan", "Wrong person", True, False),
        Outcome("tidak_diangkat", "Tidak diangkat", "No answer", False, False),
        Outcome("sibuk", "Sibuk", "Busy", False, False),
        Outcome("tidak_aktif", "Tidak aktif", "Unreachable", False, False),
        Outcome("nomor_salah", "Nomor salah", "Invalid/wrong number", False, False),
        Outcome("kotak_suara", "Kotak suara", "Voicemail", False, False),
    )
}

FINAL_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_final)
REACHED_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_reached)
# The outcome that needs a callback time (``CallAttempt.callback_at``).
CALLBACK_OUTCOME = "minta_dihubungi_kembali"


def label(code: str, lang: str = "id") -> str:
    """Return the Indonesian (default) or English label of an outcome code."""
    outcome = OUTCOMES[code]
    return outcome.label_en if lang == "en" else outcome.label_id
