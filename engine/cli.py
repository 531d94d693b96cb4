"""The ``klip`` command line: database, deployment, lint, users, demo, timers, documents.

What a command prints is its output for the person at the terminal; diagnostics go through ``logging``.
``klip serve`` is added by ``webapp.cli``, the console script's entry point, so the engine never imports
the web app.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from . import accounts, users
from . import backup as backups
from .context import Context
from .demo import DEMO_PASSWORD, DEMO_USERS, create_sample_campaign, seed_users
from .errors import KlipError
from .i18n import LANGUAGES
from .jobs import run_jobs
from .migrate import upgrade
from .process import (
    MigrationPlan,
    deploy,
    deploy_models,
    diff_versions,
    lint,
    list_versions,
    load_model_file,
    migrate,
    migrate_all_eligible,
)
from .render import RenderError, render_diagrams
from .settings import PROJECT_ROOT, Settings, model_files
from .sopdoc import DocsError, generate_docs
from .units import add_unit, rename_unit, set_unit_active
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
        version = deploy(_ctx(), args.as_user or "system", path, system=args.as_user is None, note=args.note or "")
        state = "di-deploy sebagai versi baru" if version.created else "sudah ada (tidak ada perubahan)"
        print(f"{version.process_id} #{version.id} sha256={version.sha256[:12]} {state}")
    return 0


def _lint_language(choice: str | None) -> str:
    """``--lang``, else ``KLIP_LANG``, else ``LANG`` (``en_US.UTF-8`` → en), else Indonesian."""
    for value in (choice, os.environ.get("KLIP_LANG"), os.environ.get("LANG")):
        code = (value or "").split("_")[0].split(".")[0].lower()
        if code in LANGUAGES:
            return code
    return "id"


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint models (a directory: its ``*.bpmn``): one finding a line, or a JSON list; exit 1 on any error."""
    lang = _lint_language(args.lang)
    paths = [p for arg in args.paths for p in (model_files(Path(arg)) if Path(arg).is_dir() else [Path(arg)])]
    found = []
    for path in paths:
        _, problems = load_model_file(path)
        found += problems
        if args.format == "text":
            for problem in problems:
                print(lint.as_text(problem, lang))
            if not problems:
                print(f"{path}: OK")
    if args.format == "json":
        print(json.dumps([lint.as_json(p, lang) for p in found], ensure_ascii=False, indent=2))
    return 1 if any(p.severity == "error" for p in found) else 0


SYSTEM = "system"  # who the command line acts as (the audit trail's actor)


def _roles(values: list[str]) -> list[str]:
    return [r.strip() for value in values for r in value.split(",") if r.strip()]


def cmd_user_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    profile = users.Profile(args.full_name or "", args.email, args.nip, args.position, args.language, args.unit)
    ctx = _ctx()
    with ctx.transaction() as session:
        user = users.view(accounts.create(session, ctx.now(), SYSTEM, args.name, _roles(args.role), profile, password))
    print(f"Pengguna {user.username} dibuat dengan peran: {', '.join(user.roles)}")
    return 0


def cmd_user_edit(args: argparse.Namespace) -> int:
    """Change a user's profile (the options given; the rest stays), as the admin page does."""
    ctx = _ctx()
    with ctx.transaction() as session:
        user = users.get_user(session, args.name)
        now = users.profile_of(session, user)
        given = {k: getattr(args, k) for k in ("full_name", "email", "nip", "position", "language", "unit")
                 if getattr(args, k) is not None}
        profile = replace(now, **given)
        changes = accounts.update(session, ctx.now(), SYSTEM, args.name, profile, user.role_names)
    print(f"Pengguna {args.name}: {', '.join(changes) if changes else 'tidak ada perubahan'}.")
    return 0


def cmd_user_token(args: argparse.Namespace) -> int:
    print(users.create_token(_ctx(), args.name, args.days))
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    for user in users.list_users(_ctx()):
        print(f"{user.username:<16} {','.join(user.roles):<32} {user.full_name}")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    """Deactivate/activate a user, replace their roles, set their password, or revoke their API tokens."""
    ctx, what = _ctx(), args.user_command
    with ctx.transaction() as session:
        now, user = ctx.now(), users.get_user(session, args.name)
        if what in ("deactivate", "activate"):
            accounts.change_active(session, now, SYSTEM, args.name, what == "activate")
        elif what in ("roles", "unit"):
            profile = users.profile_of(session, user)
            if what == "unit":
                profile = replace(profile, unit=args.unit or None)
            roles = _roles(args.role) if what == "roles" else user.role_names
            accounts.update(session, now, SYSTEM, args.name, profile, roles)
        elif what == "password":
            accounts.change_password(session, now, SYSTEM, args.name, sys.stdin.readline().rstrip("\n"))
        else:
            print(f"{accounts.revoke_all_tokens(session, now, SYSTEM, args.name)} token dicabut.")
    print(f"Pengguna {args.name}: {what} selesai.")
    return 0


def cmd_unit(args: argparse.Namespace) -> int:
    """Register, rename, (de)activate a requesting unit, or list them."""
    ctx = _ctx()
    with ctx.transaction() as session:
        if args.unit_command == "add":
            unit = add_unit(session, ctx.now(), SYSTEM, args.name)
            print(f"Unit '{unit.name}' didaftarkan (#{unit.id}).")
            return 0
        if args.unit_command == "rename":
            unit = rename_unit(session, ctx.now(), SYSTEM, args.id, args.name)
            print(f"Unit #{unit.id} sekarang bernama '{unit.name}'.")
            return 0
        if args.unit_command in ("activate", "deactivate"):
            unit = set_unit_active(session, ctx.now(), SYSTEM, args.id, args.unit_command == "activate")
            print(f"Unit '{unit.name}': {'aktif' if unit.active else 'nonaktif'}.")
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
        moved = remove_override(ctx, args.as_user, day)
        print(f"Koreksi {day.isoformat()} dihapus; batas waktu {moved} tugas berjalan disesuaikan.")
    elif args.calendar_command == "set":
        moved = set_override(ctx, args.as_user, day, args.working, args.note or "").due_dates_moved
        print(f"{day.isoformat()} ditetapkan sebagai {'hari kerja' if args.working else 'hari libur'}; "
              f"batas waktu {moved} tugas berjalan disesuaikan.")
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
    """Each model's SOP document and flowchart, in a folder of its own: docs/<model>/; with ``--model``, only that
    model file (a draft, deployed or not, with its ``.sop.json`` beside it)."""
    out = Path(args.out) if args.out else PROJECT_ROOT / "docs"
    models = [Path(m) for m in args.model] or model_files()
    for missing in [m for m in models if not m.is_file()]:
        raise DocsError(f"{missing}: tidak ada file model ini")
    for model in models:
        for path in generate_docs(model, out / model.stem):
            print(path)
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    """Every deployed version: number, process, hash, who, when, note, running and finished instances."""
    for v in list_versions(_ctx(), args.process_id):
        mark = "*" if v.current else " "
        print(f"{mark}#{v.id:<4} {v.process_id:<26} {v.sha256[:12]}  {v.deployed_at:%Y-%m-%d %H:%M}  "
              f"{v.deployed_by:<12} berjalan {v.running:>4}  selesai {v.finished:>4}  {v.note}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Added (+), removed (-), changed (~) and moved elements; forms; the SOP header's fields."""
    diff = diff_versions(_ctx(), args.old, args.new)
    print(f"{diff.process_id}: versi {diff.old} → versi {diff.new}")
    for sign, changes in (("+", diff.added), ("-", diff.removed), ("~", diff.changed)):
        for change in changes:
            name = f" '{change.name}'" if change.name else ""
            details = f": {'; '.join(change.what)}" if change.what else ""
            print(f"{sign} {change.kind} {change.element_id}{name}{details}")
    for element_id in diff.moved:
        print(f"↔ {element_id} (dipindah pada diagram)")
    for name in diff.forms_added:
        print(f"+ form {name}")
    for name in diff.forms_removed:
        print(f"- form {name}")
    for name, fields in diff.forms_changed.items():
        print(f"~ form {name}: {', '.join(fields)}")
    if diff.sop_changed:
        print(f"~ metadata SOP: {', '.join(diff.sop_changed)}")
    if diff.empty:
        print("tidak ada perbedaan")
    return 0


def _migration_line(plan: MigrationPlan, dry_run: bool) -> str:
    who = f"instans {plan.instance_id}" + (f" (kampanye {plan.campaign_id} '{plan.campaign_title}')"
                                           if plan.campaign_id is not None else "")
    if not plan.eligible:
        return f"{who}: ditolak — {plan.reason}"
    state = "dipindahkan" if plan.moved else ("akan dipindahkan" if dry_run else "tidak dipindahkan")
    changed = f"; berubah: {', '.join(plan.changed)}" if plan.changed else ""
    return f"{who}: {state} dari versi {plan.from_number} ke versi {plan.to_number}{changed}"


def cmd_migrate(args: argparse.Namespace) -> int:
    """Move one running instance (or every eligible one) to version V; exit 1 when the instance named is refused."""
    if (args.instance is None) == (not args.all_eligible):
        print("klip: sebutkan satu INSTANCE atau --all-eligible", file=sys.stderr)
        return 2
    actor, system = args.as_user or SYSTEM, args.as_user is None
    if args.all_eligible:
        plans = migrate_all_eligible(_ctx(), actor, args.to, dry_run=args.dry_run, system=system)
    else:
        plans = [migrate(_ctx(), actor, args.instance, args.to, dry_run=args.dry_run, system=system)]
    for plan in plans:
        print(_migration_line(plan, args.dry_run))
    if not plans:
        print(f"tidak ada instans berjalan pada versi lain dari proses versi {args.to}")
    if args.dry_run:
        print("uji coba: tidak ada yang disimpan")
    return 1 if args.instance is not None and not plans[0].eligible else 0


def cmd_render(args: argparse.Namespace) -> int:
    source, out = Path(args.path), Path(args.out)
    try:
        diagrams = render_diagrams(source.read_bytes())
        for index, diagram in enumerate(diagrams, start=1):  # several diagrams: OUT.svg, OUT-2.svg, …
            target = out if index == 1 else out.with_name(f"{out.stem}-{index}{out.suffix or '.svg'}")
            target.write_text(diagram.svg, encoding="utf-8")
            print(target)
            for warning in diagram.warnings:  # what could not be drawn was left out; the rest is in the file
                print(f"{source}: warning: {warning}", file=sys.stderr)
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
    deploy.add_argument("--as-user", help="deploy atas nama pengguna (peran analis)")
    deploy.add_argument("--note", help="catatan versi: apa yang berubah dan mengapa")
    deploy.set_defaults(func=cmd_deploy)
    versions_cmd = sub.add_parser("versions", help="daftar versi model (nomor, hash, oleh, kapan, catatan, instans)")
    versions_cmd.add_argument("process_id", nargs="?", help="hanya proses ini (mis. lip20_0008)")
    versions_cmd.set_defaults(func=cmd_versions)
    diff_cmd = sub.add_parser("diff", help="apa yang berubah dari versi V1 ke V2")
    diff_cmd.add_argument("old", type=int, metavar="V1")
    diff_cmd.add_argument("new", type=int, metavar="V2")
    diff_cmd.set_defaults(func=cmd_diff)
    migrate_cmd = sub.add_parser("migrate", help="pindahkan instans berjalan ke versi V (bila tidak ada langkah yang "
                                 "sudah dijalankan yang berubah)")
    migrate_cmd.add_argument("instance", nargs="?", type=int, metavar="INSTANCE", help="nomor instans proses")
    migrate_cmd.add_argument("--all-eligible", action="store_true",
                             help="semua instans berjalan dari proses itu yang dapat dipindahkan")
    migrate_cmd.add_argument("--to", type=int, required=True, metavar="V", help="nomor versi tujuan (klip versions)")
    migrate_cmd.add_argument("--dry-run", action="store_true", help="hanya periksa; tidak ada yang disimpan")
    migrate_cmd.add_argument("--as-user", help="atas nama pengguna (peran analis)")
    migrate_cmd.set_defaults(func=cmd_migrate)
    lint_cmd = sub.add_parser("lint", help="periksa model BPMN (file:baris:kolom: aturan: pesan [elemen] — petunjuk)")
    lint_cmd.add_argument("paths", nargs="+", metavar="path", help="file .bpmn atau folder berisi model")
    lint_cmd.add_argument("--format", choices=("text", "json"), default="text", help="keluaran (bawaan: text)")
    lint_cmd.add_argument("--lang", choices=LANGUAGES, help="bahasa pesan (bawaan: KLIP_LANG, LANG, lalu id)")
    lint_cmd.set_defaults(func=cmd_lint)
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
    token.add_argument("--days", type=int, help="masa berlaku dalam hari (tanpa: berlaku sampai dicabut)")
    token.set_defaults(func=cmd_user_token)
    user.add_parser("list").set_defaults(func=cmd_user_list)
    edit = user.add_parser("edit", help="ubah nama, e-mail, NIP, jabatan, bahasa, atau unit")
    edit.add_argument("name")
    edit.add_argument("--full-name")
    edit.add_argument("--email", help="kosong: hapus alamat")
    edit.add_argument("--nip")
    edit.add_argument("--position")
    edit.add_argument("--language", choices=LANGUAGES)
    edit.add_argument("--unit", help="kosong: tanpa unit")
    edit.set_defaults(func=cmd_user_edit)
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
    unit_rename = unit.add_parser("rename", help="ganti nama unit")
    unit_rename.add_argument("id", type=int, help="nomor unit (klip unit list)")
    unit_rename.add_argument("name")
    unit_rename.set_defaults(func=cmd_unit)
    for name, help_text in (("deactivate", "nonaktifkan (tidak dapat mengajukan kampanye baru)"),
                            ("activate", "aktifkan kembali")):
        toggle = unit.add_parser(name, help=help_text)
        toggle.add_argument("id", type=int, help="nomor unit (klip unit list)")
        toggle.set_defaults(func=cmd_unit)
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
            cmd.add_argument("--note", help="dasar koreksi (wajib), mis. nomor SKB")
        cmd.set_defaults(func=cmd_calendar)
    docs = sub.add_parser("docs", help="buat dokumen SOP (HTML, Markdown, bagan arus) dari model BPMN")
    docs.add_argument("--out", help="folder keluaran (bawaan: docs/); tiap model di subfolder <nama model>/")
    docs.add_argument("--model", action="append", default=[], metavar="PATH",
                      help="pratinjau model ini saja (mis. draf yang belum di-deploy; <nama>.sop.json di sebelahnya)")
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

