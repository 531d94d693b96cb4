"""The labels of a campaign's status (``CampaignStatus``), for every place that shows one: pages and exports."""
from __future__ import annotations

from ..i18n import N_, localize
from ..models import CampaignStatus

LABELS = {
    CampaignStatus.PERENCANAAN.value: N_("Perencanaan"),
    CampaignStatus.PENYAMPAIAN.value: N_("Penyampaian informasi"),
    CampaignStatus.PELAPORAN.value: N_("Pelaporan"),
    CampaignStatus.PENGIRIMAN.value: N_("Pengiriman laporan"),
    CampaignStatus.SELESAI.value: N_("Selesai"),
    "berjalan": N_("Berjalan"),  # what versions before the campaign phases stored
}


def label(code: str, lang: str = "id") -> str:
    """A status's label in ``lang``; an unknown stored code is shown as it is."""
    return localize(LABELS[code], lang) if code in LABELS else code
