"""Call outcome codes of an outbound information campaign (one outcome per call attempt)."""
from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, localize


@dataclass(frozen=True)
class Outcome:
    """One call outcome: code, label (Indonesian; English from the catalogue), whether it ends the contact and
    whether the right party was reached."""

    code: str
    label: str
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
        Outcome("tersampaikan", N_("Informasi tersampaikan"), True, True),
        Outcome("sudah_melaksanakan", N_("Sudah melaksanakan"), True, True),
        Outcome("minta_dihubungi_kembali", N_("Minta dihubungi kembali"), False, True),
        Outcome("menolak", N_("Menolak"), True, True),
        Outcome("curiga_penipuan", N_("Curiga penipuan"), True, True),
        Outcome("bukan_yang_bersangkutan", N_("Bukan yang bersangkutan"), True, False),
        Outcome("tidak_diangkat", N_("Tidak diangkat"), False, False),
        Outcome("sibuk", N_("Sibuk"), False, False),
        Outcome("tidak_aktif", N_("Tidak aktif"), False, False),
        Outcome("nomor_salah", N_("Nomor salah"), False, False),
        Outcome("kotak_suara", N_("Kotak suara"), False, False),
    )
}

# The right party asked to be called again at a time (``CallAttempt.callback_at``): the contact stays open and
# the callback is not counted against the maximum number of attempts.
CALLBACK_OUTCOME = "minta_dihubungi_kembali"
# The number dialled is not the taxpayer's: it is closed; the contact stays open while another number is left.
WRONG_NUMBER_OUTCOME = "nomor_salah"
FINAL_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_final)
REACHED_OUTCOMES: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if o.is_reached)
# Someone answered (the taxpayer, or someone else on the line): the calls a quality assessment can listen to.
CONVERSATION_OUTCOMES: frozenset[str] = REACHED_OUTCOMES | {"bukan_yang_bersangkutan"}
# Attempts that did not reach the taxpayer: after ``max_attempts`` of them the contact is closed.
UNREACHED_ATTEMPTS: frozenset[str] = frozenset(c for c, o in OUTCOMES.items() if not o.is_final and not o.is_reached)


def label(code: str, lang: str = "id") -> str:
    """The label of an outcome code in ``lang`` (Indonesian by default)."""
    return localize(OUTCOMES[code].label, lang)
