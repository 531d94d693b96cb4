"""``klip import``: a campaign started from a target-list file by the same service as the web upload."""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.campaign import target_file
from engine.context import Context
from engine.demo import npwp15, sample_target_list
from engine.models import Campaign, Contact, Instance
from engine.settings import Settings

UNIT = "Direktorat P2Humas"


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def office(klip):
    """A deployed database with one requesting unit, a Pelaksana and an agent."""
    klip("init-db")
    klip("deploy")
    klip("unit", "add", UNIT)
    klip("user", "add", "pelaksana", "--role", "pelaksana")
    klip("user", "add", "agen1", "--role", "agen")
    return klip


def stored() -> tuple[int, int, int]:
    """Campaigns, contacts and process instances in the database."""
    with Context.from_settings(Settings.from_env()).transaction() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Campaign, Contact, Instance))  # type: ignore[return-value]


def test_import_starts_the_campaign_and_prints_the_report_without_a_bar_off_a_terminal(office, tmp_path) -> None:
    path = tmp_path / "sasaran.csv"
    path.write_bytes(sample_target_list(4_500))  # + a short NPWP, a duplicate and a row without a name
    result = office("import", str(path), "--title", "Himbauan SPT", "--requester", UNIT, "--as-user", "pelaksana")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert "Kampanye #1 'Himbauan SPT' untuk Direktorat P2Humas dimulai" in result.stdout
    assert "4503 baris dibaca, 4500 diterima (0 dengan peringatan), 2 ditolak, 1 duplikat" in result.stdout
    assert "Berkas: CSV, UTF-8, pemisah koma" in result.stdout
    assert "baris 4502 (npwp): NPWP harus 15 atau 16 digit (terbaca 5 digit)" in result.stdout
    assert "baris 4503 (npwp): NPWP sama dengan baris 2" in result.stdout
    assert stored() == (1, 4_500, 1)


def test_a_rejected_file_stores_nothing_and_exits_1(office, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(target_file, "MAX_ROWS", 2_500)
    path = tmp_path / "besar.csv"
    path.write_bytes(sample_target_list(3_000, bad_rows=False))
    result = office("import", str(path), "--title", "T", "--requester", UNIT, "--as-user", "pelaksana")
    assert result.returncode == 1
    assert "berkas ditolak, tidak ada yang disimpan: Berkas terlalu besar" in result.stderr
    assert "lebih dari 2500 baris" in result.stderr.replace(".", "")
    assert stored() == (0, 0, 0)  # the first batches were inserted before row 2,502 was read: rolled back
    missing = tmp_path / "kurang.csv"
    missing.write_text("npwp,nama\n01.234.567.8-091.000,Budi\n")
    result = office("import", str(missing), "--title", "T", "--requester", UNIT, "--as-user", "pelaksana")
    assert result.returncode == 1 and "file: Kolom wajib tidak ditemukan: telepon." in result.stderr
    assert stored() == (0, 0, 0)


def test_import_is_authorized_like_the_upload(office, tmp_path) -> None:
    path = tmp_path / "sasaran.csv"
    path.write_bytes(sample_target_list(3))
    refused = office("import", str(path), "--title", "T", "--requester", UNIT, "--as-user", "agen1")
    assert refused.returncode == 1 and refused.stderr.startswith("klip: ")
    unknown_unit = office("import", str(path), "--title", "T", "--requester", "Kanwil X", "--as-user", "pelaksana")
    assert unknown_unit.returncode == 1 and "requester" in unknown_unit.stderr
    absent = office("import", str(tmp_path / "tidak-ada.csv"), "--title", "T", "--requester", UNIT,
                    "--as-user", "pelaksana")
    assert absent.returncode == 1 and "tidak-ada.csv" in absent.stderr
    assert stored() == (0, 0, 0)


def test_progress_bar_on_a_terminal(office, tmp_path, monkeypatch) -> None:
    path = tmp_path / "sasaran.csv"
    path.write_bytes(sample_target_list(4_500, bad_rows=False))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    result = office("import", str(path), "--title", "T", "--requester", UNIT, "--as-user", "pelaksana")
    assert result.returncode == 0 and "4500 diterima" in result.stdout
    bar = terminal.getvalue()
    size = os.path.getsize(path)
    assert "Membaca dan memeriksa" in bar and f"/{size / 1000:.0f}" in bar.replace("k", "")
    assert "\r" in bar  # redrawn in place


def test_import_report_lists_at_most_ten_problems_of_each_kind(office, tmp_path: Path) -> None:
    rows = "".join(f"{npwp15(i)},Budi,081234567890\n" for i in range(3)) + "".join(
        f"12{i},Budi,081234567890\n" for i in range(12))
    path = tmp_path / "sasaran.csv"
    path.write_text("npwp,nama,telepon\n" + rows)
    result = office("import", str(path), "--title", "T", "--requester", UNIT, "--as-user", "pelaksana")
    assert result.returncode == 0
    assert "Kesalahan (12):" in result.stdout and result.stdout.count("NPWP harus 15 atau 16 digit") == 10
    assert "… 2 lainnya: lihat halaman kampanye." in result.stdout
