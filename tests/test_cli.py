"""The ``klip`` command line, run in process (the ``klip`` fixture) against a fresh database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_console_script_runs_the_engine_commands_and_offers_serve(tmp_path: Path) -> None:
    """The installed entry point itself (the only test that needs a subprocess)."""
    klip = Path(sys.executable).parent / "klip"
    env = {**os.environ, "KLIP_DATABASE_URL": f"sqlite:///{tmp_path / 'entry.db'}"}
    init = subprocess.run([str(klip), "init-db"], capture_output=True, text=True, env=env, timeout=120)
    assert init.returncode == 0 and "Basis data siap" in init.stdout, init.stderr
    serve = subprocess.run([str(klip), "serve", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert serve.returncode == 0 and "--workers" in serve.stdout


def test_init_deploy_users_token_and_tick(klip) -> None:
    assert klip("init-db").returncode == 0
    first, again = klip("deploy"), klip("deploy")
    assert "versi baru" in first.stdout and "tidak ada perubahan" in again.stdout
    added = klip("user", "add", "siti", "--role", "kasi,pkl", "--password-stdin", stdin="rahasia-123\n")
    assert added.returncode == 0 and "kasi, pkl" in added.stdout
    duplicate = klip("user", "add", "siti", "--role", "kasi")
    assert duplicate.returncode == 1 and "siti" in duplicate.stderr
    bad_role = klip("user", "add", "budi", "--role", "raja")
    assert bad_role.returncode == 1 and "raja" in bad_role.stderr
    token = klip("user", "token", "siti")
    assert token.returncode == 0 and len(token.stdout.strip()) >= 40
    assert "siti" in klip("user", "list").stdout
    assert klip("tick").returncode == 0


def test_demo_seeds_users_and_a_sample_campaign_and_can_run_it_through(klip, monkeypatch) -> None:
    klip("init-db")
    refused = klip("demo")
    assert refused.returncode == 1 and "KLIP_DEMO=1" in refused.stderr
    monkeypatch.setenv("KLIP_DEMO", "1")
    demo = klip("demo")
    assert demo.returncode == 0, demo.stderr
    assert "kasi" in demo.stdout and "Kampanye contoh #1 dijalankan sampai selesai" in demo.stdout
    assert "Kampanye contoh #2" in demo.stdout
    trail = demo.stdout
    for step in ("Menugaskan Pelaksana", "Meneliti dan menyetujui rencana kerja", "Menghubungi Wajib Pajak",
                 "Meneliti dan menandatangani laporan", "Menyampaikan laporan"):
        assert step in trail
    assert "kembalikan" in trail and "tandatangani" in trail
    again = klip("demo")  # idempotent: users exist, nothing new is created
    assert again.returncode == 0 and "sudah ada" in again.stdout and "Kampanye contoh #3" not in again.stdout


def test_calendar_overrides_from_the_command_line(klip) -> None:
    klip("init-db")
    klip("user", "add", "root", "--role", "admin")
    assert "bukan hari kerja" in klip("calendar", "check", "2026-03-20").stdout  # cuti bersama Idul Fitri
    refused = klip("calendar", "set", "2026-03-20", "--working", "--as-user", "nobody")
    assert refused.returncode == 1
    corrected = klip("calendar", "set", "2026-03-20", "--working", "--as-user", "root", "--note", "SKB diubah")
    assert corrected.returncode == 0
    assert ": hari kerja" in klip("calendar", "check", "2026-03-20").stdout
    assert "SKB diubah" in klip("calendar", "list").stdout
    assert klip("calendar", "remove", "2026-03-20", "--as-user", "root").returncode == 0
    assert "bukan hari kerja" in klip("calendar", "check", "2026-03-20").stdout


def test_user_lifecycle_from_the_command_line(klip) -> None:
    klip("init-db")
    klip("user", "add", "budi", "--role", "kasi")
    token = klip("user", "token", "budi").stdout.strip()
    assert klip("user", "roles", "budi", "--role", "kasi,pkl").returncode == 0
    assert "kasi,pkl" in klip("user", "list").stdout
    assert klip("user", "password", "budi", stdin="kata-sandi-baru\n").returncode == 0
    assert klip("user", "deactivate", "budi").returncode == 0
    assert klip("user", "token", "budi").returncode == 1  # inactive users get no token
    assert klip("user", "activate", "budi").returncode == 0
    assert "0 token dicabut" in klip("user", "revoke-tokens", "budi").stdout  # deactivation revoked it
    assert klip("user", "token", "budi").stdout.strip() != token
    assert "1 token dicabut" in klip("user", "revoke-tokens", "budi").stdout
