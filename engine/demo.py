"""Demo data: one user per role, a sample target list, and a full run through the SOP."""
from __future__ import annotations

import csv
import io
import random

from stdnum import luhn

from .campaign import CampaignView, create_campaign
from .context import Context
from .errors import InvalidInput
from .units import add_unit, views
from .users import Profile, create_user

DEMO_PASSWORD = "klip-demo-2026"
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("kasi", "Kepala Seksi Operasional (demo)", ("kasi",)),
    ("pelaksana", "Pelaksana Seksi Operasional (demo)", ("pelaksana",)),
    ("agen1", "Agen 1 (demo)", ("agen", "pelaksana")),
    ("agen2", "Agen 2 (demo)", ("agen", "pelaksana")),
    ("agen3", "Agen 3 (demo)", ("agen", "pelaksana")),
    ("kepala", "Kepala Kantor (demo)", ("kepala_kantor",)),
    ("pkl", "Seksi Penjaminan Kualitas Layanan (demo)", ("pkl",)),
    ("kasipkl", "Kepala Seksi Penjaminan Kualitas Layanan (demo)", ("kepala_seksi_pkl",)),
    ("unit", "Pengguna Layanan: Direktorat P2Humas (demo)", ("pengguna_layanan",)),
    ("kpp", "Pengguna Layanan: KPP Pratama Jakarta Gambir Satu (demo)", ("pengguna_layanan",)),
    ("admin", "Administrator (demo)", ("admin", "analis")),
)
# The requesting units of the demo, and which demo user belongs to which.
DEMO_UNITS = ("Direktorat P2Humas", "KPP Pratama Jakarta Gambir Satu")
DEMO_UNIT_OF = {"unit": DEMO_UNITS[0], "kpp": DEMO_UNITS[1]}
MOBILE_PREFIXES = ("0811", "0812", "0813", "0821", "0822", "0852", "0853", "0857", "0878", "0896")
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rudi", "Rina", "Hendra", "Wati", "Joko", "Lestari", "Bambang", "Yuni")
LAST = ("Santoso", "Rahayu", "Wijaya", "Lestari", "Hidayat", "Saputra", "Kurniawan", "Pratama", "Nugroho")


# The demo Kepala Kantor signs reports: a (made-up) NIP and the position printed under the signature.
DEMO_SIGNER = {"kepala": ("196805121994031002", "Kepala Kantor Layanan Informasi dan Pengaduan")}


def seed_users(ctx: Context, password: str = DEMO_PASSWORD) -> list[str]:
    """Create the demo users that do not exist yet; return the names created."""
    seed_units(ctx)
    created = []
    for username, full_name, roles in DEMO_USERS:
        nip, position = DEMO_SIGNER.get(username, (None, None))
        profile = Profile(full_name, None, nip, position, unit=DEMO_UNIT_OF.get(username))
        try:
            create_user(ctx, username, roles, password=password, profile=profile)
        except InvalidInput as exc:
            if "username" not in exc.fields:
                raise
            continue
        created.append(username)
    return created


def seed_units(ctx: Context) -> None:
    """Register the demo's requesting units that are not registered yet."""
    with ctx.transaction() as session:
        known = {u.name for u in views(session)}
        for name in DEMO_UNITS:
            if name not in known:
                add_unit(session, ctx.now(), "system", name)


def npwp15(serial: int) -> str:
    """A well-formed 15-digit NPWP (valid check digit) for demo and test data."""
    head = f"{1 + serial % 9:02d}{serial:06d}"[-8:]
    return head + luhn.calc_check_digit(head) + "091000"


def sample_target_list(n: int = 24, seed: int = 20, bad_rows: bool = True) -> bytes:
    """A CSV target list with ``n`` good rows (and, by default, a few bad ones to show the import report)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["npwp", "nama", "telepon", "kpp", "tahun_pajak", "jenis_spt"])
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        phones = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(10_000_000, 99_999_999)}"
        if i % 5 == 0:
            phones += f";021{rng.randint(1_000_000, 9_999_999)}"
        writer.writerow([npwp15(100 + i), name, phones, "KPP Pratama Jakarta Gambir Satu", "2025", "SPT Tahunan"])
    if bad_rows:
        writer.writerow(["12.345", "NPWP Terlalu Pendek", "081234567890", "", "2025", ""])
        writer.writerow([npwp15(100), "Baris Ganda", "081298765432", "", "2025", ""])
        writer.writerow([npwp15(999), "", "081298765432", "", "2025", ""])
    return out.getvalue().encode("utf-8")


def create_sample_campaign(ctx: Context, n: int = 24) -> CampaignView:
    return create_campaign(ctx, "unit", "sasaran-demo.csv", sample_target_list(n),
                           "Himbauan penyampaian SPT Tahunan 2025 (demo)", "Direktorat P2Humas",
                           "Pengingat batas waktu penyampaian SPT Tahunan PPh Orang Pribadi")
