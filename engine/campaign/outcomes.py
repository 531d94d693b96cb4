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

    @property
    def effect(self) -> str:
        """What it does to the contact: ``final`` (closes it), ``callback`` (open, called again at the time the
        taxpayer asked), ``closes_number`` (that number is not dialled again), ``retry`` (try again)."""
        if self.is_final:
            return "final"
        return {CALLBACK_OUTCOME: "callback", WRONG_NUMBER_OUTCOME: "closes_number"}.get(self.code, "retry")


OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("tersampaikan", "Informasi tersampaikan", "Information delivered", True, True),
        Outcome("sudah_melaksanakan", "Sudah melaksanakan", "Already filed/paid", True, True),
        Outcome("minta_dihubungi_kembali", "Minta dihubungi kembali", "Callback requested", False, True),
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

# The right party asked to be called again at a time (``CallAttempt.callback_at``): the contact stays open and
# the callback is not counted against the maximum number of attempts.
CALLBACK_OUTCOME = "minta_dihubungi_kembali"
# The number dialled is not the taxpayer's: it is closed; the contact stays open while another number is left.
WRONG_NUMBER_OUTCOME = "nomor_salah"
FINAL_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_final)
REACHED_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_reached)
# Attempts that did not reach the taxpayer: after ``max_attempts`` of them the contact is closed.
UNREACHED_ATTEMPTS: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if not o.is_final and not o.is_reached)


def label(code: str, lang: str = "id") -> str:
    """Return the Indonesian (default) or English label of an outcome code."""
    outcome = OUTCOMES[code]
    return outcome.label_en if lang == "en" else outcome.label_id
