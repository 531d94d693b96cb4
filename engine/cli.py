"""The ``klip`` command line: database, deployment, lint, users, demo, timers, documents.

What a command prints is its output for the person at the terminal; diagnostics go through ``logging``.
``klip serve`` is added by ``webapp.cli``, the console script's entry point, so the engine never imports
the web app.
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from . import backup as backups
from . import users
from .context import Context
from .demo import DEMO_PASSWORD, DEMO_USERS, create_sample_campaign, seed_users
from .errors import KlipError
from .i18n import LANGUAGES
from .jobs import run_jobs
from .migrate import upgrade
from .process import deploy, deploy_models, load_model_file
from .render import RenderError, render_diagrams
from .settings import PROJECT_ROOT, Settings, model_files
from .sopdoc import generate_docs
from .units import add_unit
from .units import views as unit_views
from .walkthrough import run_through, trail_lines
from .workdays import list_overrides, load_calendar, remove_override, set_override


def _ctx() -> Context:
    return Context.from_settings(Settings.from_env())


def cmd_init_db(args: argparse.Namespace) -> int:
    upgrade(Settings.from_env().database_url)
    print("Basis data siap (migrasi terbaru diterapkan).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    done = backups.backup(Settings.from_env().database_url, Path(args.out))
    print(f"Cadangan {done.kind} disimpan di {done.path} ({done.size:,} byte). Berkas ini memuat data pribadi wajib "
          "pajak: simpan di tempat yang aman.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    done = backups.restore(Settings.from_env().database_url, Path(args.file))
    print(f"Basis data {done.kind} dipulihkan dari {args.file}: {done.tables} tabel, {done.campaigns} kampanye; "
          "skema diperbarui ke versi terbaru.")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    """Deploy the models named, or every model in bpmn/ (the SOP's process and those its messages start)."""
    paths = [Path(p) for p in args.paths] or model_files()
    for path in paths:
        version = deploy(_ctx(), args.as_user or "system", path, system=args.as_user is None)
        state = "di-deploy sebagai versi baru" if version.created else "sudah ada (tidak ada perubahan)"
        print(f"{version.process_id} #{version.id} sha256={version.sha256[:12]} {state}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    errors = 0
    for path in args.paths:
        _, problems = load_model_file(Path(path))
        for problem in problems:
            print(problem)
        errors += sum(p.severity == "error" for p in problems)
        if not problems:
            print(f"{path}: OK")
    return 1 if errors else 0


def cmd_user_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    roles = [r.strip() for value in args.role for r in value.split(",") if r.strip()]
    profile = users.Profile(args.full_name or "", args.email, args.nip, args.position, args.language, args.unit)
    user = users.create_user(_ctx(), args.name, roles, password=password, profile=profile)
    print(f"Pengguna {user.username} dibuat dengan peran: {', '.join(user.roles)}")
    return 0


def cmd_user_token(args: argparse.Namespace) -> int:
    print(users.create_token(_ctx(), args.name))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    for user in users.list_users(_ctx()):
        print(f"{user.username:<16} {','.join(user.roles):<32} {user.full_name}")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    """Deactivate/activate a user, replace their roles, set their password, or revoke their API tokens."""
    ctx, what = _ctx(), args.user_command
    with ctx.transaction() as session:
        if what in ("deactivate", "activate"):
            users.set_active(session, args.name, what == "activate")
            if what == "deactivate":
                users.revoke_tokens(session, args.name)
        elif what == "roles":
            users.set_roles(session, args.name, [r.strip() for v in args.role for r in v.split(",") if r.strip()])
        elif what == "password":
            users.set_password(session, args.name, sys.stdin.readline().rstrip("\n"))
        elif what == "unit":
            users.set_unit(session, args.name, args.unit or None)
        else:
            print(f"{users.revoke_tokens(session, args.name)} token dicabut.")
    print(f"Pengguna {args.name}: {what} selesai.")
    return 0


def cmd_unit(args: argparse.Namespace) -> int:
    """Register a requesting unit, or list them."""
    ctx = _ctx()
    with ctx.transaction() as session:
        if args.unit_command == "add":
            unit = add_unit(session, ctx.now(), "system", args.name)
            print(f"Unit '{unit.name}' didaftarkan (#{unit.id}).")
            return 0
        for view in unit_views(session):
            print(f"{view.id:>4}  {view.name:<48} {view.users:>3} pengguna  {view.campaigns:>4} kampanye"
                  f"{'' if view.active else '  (nonaktif)'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    ctx = _ctx()
    if not ctx.settings.demo_mode:
        print("klip: demo users have a published password; run 'klip demo' only with KLIP_DEMO=1", file=sys.stderr)
        return 1
    deploy_models(ctx, "system", system=True)
    created = seed_users(ctx)
    print("Pengguna demo (kata sandi: %s):" % DEMO_PASSWORD)
    for username, full_name, roles in DEMO_USERS:
        print(f"  {username:<10} {','.join(roles):<24} {full_name}{'' if username in created else ' (sudah ada)'}")
    if created or args.run_through:
        done = create_sample_campaign(_ctx())
        run_through(_ctx, done.id)
        print(f"\nKampanye contoh #{done.id} dijalankan sampai selesai; jejak audit:")
        print("\n".join(trail_lines(_ctx(), done.id)))
    if created:
        campaign = create_sample_campaign(_ctx())
        report = campaign.import_report
        print(f"\nKampanye contoh #{campaign.id} '{campaign.title}' menunggu Kepala Seksi Operasional: "
              f"{report['rows']} baris dibaca, {report['accepted']} diterima, {report['rejected']} ditolak, "
              f"{report['duplicates']} ganda.")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    ctx = _ctx()
    if args.calendar_command == "list":
        for row in list_overrides(ctx):
            kind = "hari kerja" if row.is_working_day else "libur"
            print(f"{row.day.isoformat()}  {kind:<10} {row.note}  ({row.created_by})")
        return 0
    day = date.fromisoformat(args.day)
    if args.calendar_command == "remove":
        remove_override(ctx, args.as_user, day)
        print(f"Koreksi {day.isoformat()} dihapus.")
    elif args.calendar_command == "set":
        set_override(ctx, args.as_user, day, args.working, args.note or "")
        print(f"{day.isoformat()} ditetapkan sebagai {'hari kerja' if args.working else 'hari libur'}.")
    else:
        with ctx.transaction() as session:
            calendar = load_calendar(session, ctx.settings)
        name = calendar.holiday_name(day)
        print(f"{day.isoformat()}: {'hari kerja' if calendar.is_working_day(day) else 'bukan hari kerja'}"
              f"{f' ({name})' if name else ''}")
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    done = run_jobs(_ctx())
    print(f"{done.timers} instans diperiksa ulang karena timer jatuh tempo; {done.reminders} pengingat; "
          f"{done.mails_sent} e-mail terkirim, {done.mails_failed} gagal (dicoba lagi nanti).")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Each model's SOP document and flowchart, in a folder of its own: docs/<model>/."""
    out = Path(args.out) if args.out else PROJECT_ROOT / "docs"
    for model in model_files():
        for path in generate_docs(model, out / model.stem):
            print(path)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    source, out = Path(args.path), Path(args.out)
    try:
        diagrams = render_diagrams(source.read_bytes())
        for index, diagram in enumerate(diagrams, start=1):  # several diagrams: OUT.svg, OUT-2.svg, …
            target = out if index == 1 else out.with_name(f"{out.stem}-{index}{out.suffix or '.svg'}")
            target.write_text(diagram.svg, encoding="utf-8")
            print(target)
    except RenderError as exc:
        raise RenderError(f"{source}: {exc.message}") from exc
    except OSError as exc:
        raise RenderError(f"{exc.filename or source}: {exc.strerror or exc}") from exc
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    """The parser of every engine command, and its sub-command list for the caller to extend."""
    parser = argparse.ArgumentParser(
        prog="klip", description="SOP LIP20-0008 — Layanan Penyampaian Informasi Perpajakan")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="buat/migrasikan basis data").set_defaults(func=cmd_init_db)
    backup = sub.add_parser("backup", help="cadangkan seluruh basis data ke satu berkas (saat aplikasi berjalan)")
    backup.add_argument("--out", required=True, help="berkas cadangan baru (tidak menimpa berkas yang ada)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="pulihkan cadangan ke basis data KOSONG (KLIP_DATABASE_URL)")
    restore.add_argument("file", help="berkas dari 'klip backup'")
    restore.set_defaults(func=cmd_restore)
    deploy = sub.add_parser("deploy", help="deploy model BPMN")
    deploy.add_argument("paths", nargs="*", metavar="path", help="model BPMN (bawaan: semua bpmn/*.bpmn)")
    deploy.add_argument("--as-user", help="deploy atas nama pengguna (peran admin/analis)")
    deploy.set_defaults(func=cmd_deploy)
    lint = sub.add_parser("lint", help="periksa file BPMN (file:baris: pesan)")
    lint.add_argument("paths", nargs="+")
    lint.set_defaults(func=cmd_lint)
    user = sub.add_parser("user", help="kelola pengguna").add_subparsers(dest="user_command", required=True)
    add = user.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", action="append", required=True, help="peran (boleh berulang atau dipisah koma)")
    add.add_argument("--full-name")
    add.add_argument("--email", help="alamat e-mail untuk pemberitahuan")
    add.add_argument("--nip", help="NIP (18 angka), dicetak di bawah tanda tangan")
    add.add_argument("--position", help="jabatan, dicetak di bawah tanda tangan")
    add.add_argument("--language", choices=LANGUAGES, default="id", help="bahasa e-mail pemberitahuan (id/en)")
    add.add_argument("--unit", help="unit peminta (untuk peran pengguna_layanan), lihat 'klip unit list'")
    add.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin")
    add.set_defaults(func=cmd_user_add)
    token = user.add_parser("token", help="cetak token API baru")
    token.add_argument("name")
    token.set_defaults(func=cmd_user_token)
    user.add_parser("list").set_defaults(func=cmd_user_list)
    for name, help_text in (("deactivate", "nonaktifkan (dan cabut tokennya)"), ("activate", "aktifkan kembali"),
                            ("roles", "ganti peran"), ("password", "ganti kata sandi (dari stdin)"),
                            ("revoke-tokens", "cabut semua token API"), ("unit", "pindahkan ke unit peminta")):
        change = user.add_parser(name, help=help_text)
        change.add_argument("name")
        if name == "roles":
            change.add_argument("--role", action="append", required=True)
        if name == "unit":
            change.add_argument("--unit", help="nama unit (kosong: tanpa unit)")
        change.set_defaults(func=cmd_user_change)
    unit = sub.add_parser("unit", help="unit peminta (Pengguna Layanan)").add_subparsers(dest="unit_command",
                                                                                         required=True)
    unit_add = unit.add_parser("add", help="daftarkan unit")
    unit_add.add_argument("name")
    unit_add.set_defaults(func=cmd_unit)
    unit.add_parser("list", help="daftar unit").set_defaults(func=cmd_unit)
    demo = sub.add_parser("demo", help="pengguna demo dan kampanye contoh")
    demo.add_argument("--run-through", action="store_true",
                      help="jalankan satu kampanye sampai selesai dan cetak jejak audit")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("tick", help="jalankan timer yang jatuh tempo, kirim pengingat dan e-mail").set_defaults(
        func=cmd_tick)
    calendar = sub.add_parser("calendar", help="kalender hari kerja").add_subparsers(
        dest="calendar_command", required=True)
    calendar.add_parser("list", help="daftar koreksi kalender").set_defaults(func=cmd_calendar)
    check = calendar.add_parser("check", help="apakah tanggal ini hari kerja")
    check.add_argument("day", help="YYYY-MM-DD")
    check.set_defaults(func=cmd_calendar)
    for name, help_text in (("set", "tetapkan hari kerja/libur"), ("remove", "hapus koreksi")):
        cmd = calendar.add_parser(name, help=help_text)
        cmd.add_argument("day", help="YYYY-MM-DD")
        cmd.add_argument("--as-user", required=True, help="pengguna dengan peran admin")
        if name == "set":
            kind = cmd.add_mutually_exclusive_group(required=True)
            kind.add_argument("--working", action="store_true", help="jadikan hari kerja")
            kind.add_argument("--holiday", dest="working", action="store_false", help="jadikan hari libur")
            cmd.add_argument("--note")
        cmd.set_defaults(func=cmd_calendar)
    docs = sub.add_parser("docs", help="buat dokumen SOP (HTML, Markdown, bagan arus) dari model BPMN")
    docs.add_argument("--out", help="folder keluaran (bawaan: docs/)")
    docs.set_defaults(func=cmd_docs)
    render = sub.add_parser("render", help="gambar diagram BPMN sebagai SVG (satu file per diagram)")
    render.add_argument("path", help="file .bpmn")
    render.add_argument("-o", "--out", required=True, help="file SVG keluaran")
    render.set_defaults(func=cmd_render)
    return parser, sub


def main(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    """Run one command (``parser``: this one, or ``build_parser``'s extended by the caller)."""
    args = (parser or build_parser()[0]).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KlipError as exc:
        for line in getattr(exc, "problems", None) or [str(exc)]:
            print(f"klip: {line}", file=sys.stderr)
        return 1

