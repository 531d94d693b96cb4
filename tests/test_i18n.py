"""Bahasa Indonesia and English: one gettext catalogue for every text the code and the templates show, and the
request's (or the recipient's) language chosen for pages, API errors and e-mails."""
from __future__ import annotations

import json
import pickle
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from engine.campaign import localized_report
from engine.campaign.target_list import parse_target_list, storable_report
from engine.errors import InvalidInput, NotFound
from engine.i18n import N_, Count, Text, catalog_path, either, localize
from engine.models import Outbox
from engine.users import Profile, create_user

from sop_helpers import new_campaign, setup_sop
from web_helpers import bearer, has_class, login_as, one, page_tree, text_of

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "t": None, "N_": None, "p_": ((1, "c"), 2)}  # as `make i18n`: -k _ -k t -k N_ -k p_:1c,2
PLACEHOLDER = re.compile(r"{([^{}:!]*)[^{}]*}")


def extracted() -> dict[tuple[str, str | None], list[str]]:
    """Every text marked in the code and the templates (the way `pybabel extract` reads babel.cfg): (text, context)
    and where."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found[msgid, context].append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def texts() -> dict[tuple[str, str | None], list[str]]:
    return extracted()


@pytest.fixture(scope="module")
def english():
    with catalog_path("en").open("rb") as po:
        return read_po(po, locale="en")


def test_extraction_finds_the_code_and_the_templates(texts) -> None:
    places = {where.split(":")[0] for found in texts.values() for where in found}
    assert {"engine/access.py", "engine/forms.py", "engine/campaign/target_list.py", "engine/notifications.py",
            "webapp/errors.py", "webapp/templates/base.html", "webapp/templates/error.html"} <= places
    assert not [p for p in places if p.startswith(("engine/sopdoc/", "engine/campaign/templates/"))]  # official


def test_every_text_has_an_english_translation(texts, english) -> None:
    def translated(msgid: str, context: str | None) -> bool:
        entry = english.get(msgid, context)
        return entry is not None and bool(entry.string) and not entry.fuzzy

    missing = [f"{msgid!r}{f' (context {context!r})' if context else ''}  ({', '.join(where[:2])})"
               for (msgid, context), where in texts.items() if not translated(msgid, context)]
    assert not missing, (f"{len(missing)} text(s) without English: run `make i18n`, then translate them in "
                         f"{catalog_path('en').relative_to(ROOT)}:\n" + "\n".join(missing))


def test_the_catalogue_holds_only_texts_the_code_still_shows(texts, english) -> None:
    stale = sorted(m.id for m in english if m.id and (m.id, m.context) not in texts) + sorted(english.obsolete)
    assert not stale, "entries no code shows any more (run `make i18n`):\n" + "\n".join(map(repr, stale))


def test_translations_keep_the_placeholders(english) -> None:
    wrong = [(m.id, m.string) for m in english if m.id and m.string
             and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(m.string))]
    assert not wrong, "placeholders differ:\n" + "\n".join(f"{i!r} → {s!r}" for i, s in wrong)


# --- the engine's texts: Indonesian as strings, the template and parameters kept ------------------------------

def test_an_engine_error_stays_indonesian_and_shows_in_english() -> None:
    error = NotFound(N_("Kampanye {campaign_id} tidak ditemukan.", campaign_id=7))
    assert str(error) == error.message == "Kampanye 7 tidak ditemukan."
    assert localize(error.message, "en") == "Campaign 7 was not found."
    invalid = InvalidInput(N_("Parameter tidak valid."), {"page": N_("harus berupa bilangan bulat {low}–{high}",
                                                                    low=1, high=Count(100_000))})
    assert str(invalid) == "Parameter tidak valid. (page: harus berupa bilangan bulat 1–100.000)"
    assert localize(invalid.fields["page"], "en") == "must be a whole number 1–100,000"
    labels = either([N_("Kepala Seksi Operasional"), N_("Agen")])
    assert (str(labels), localize(labels, "en")) == ("Kepala Seksi Operasional atau Agen",
                                                     "Head of Operations Section or Agent")
    assert localize(pickle.loads(pickle.dumps(error.message)), "en") == "Campaign 7 was not found."
    assert [localize(N_("{n} panggilan", n=n), "en") for n in (1, Count(2), "1.000")] == ["1 call", "2 calls",
                                                                                         "1.000 calls"]


def test_the_stored_import_report_shows_its_reasons_in_the_readers_language() -> None:
    with pytest.raises(InvalidInput) as rejected:  # one bad row only: the whole file is refused
        parse_target_list("x.csv", "npwp,nama,telepon\n12345,Budi,081234567890\n".encode())
    assert localize(rejected.value.fields["file"], "en") == (
        "Rows read: 1; all were rejected or duplicates. Examples of errors: row 2 (npwp): NPWP must have 15 or 16 "
        "digits (5 digits read)")
    good = "npwp,nama,telepon\n012345678901000,Ani,081234567891\n12345,Budi,081234567890\n".encode()
    report = json.loads(json.dumps(storable_report(parse_target_list("x.csv", good).report)))  # as stored
    assert report["errors"][0]["message"] == "NPWP harus 15 atau 16 digit (terbaca 5 digit)"
    shown = localized_report(report, "en")
    assert shown["errors"] == [{"row": 3, "field": "npwp", "message": "NPWP must have 15 or 16 digits (5 digits read)"}]
    assert shown["rejected_rows"][0]["errors"][0]["message"].startswith("NPWP must have")
    assert localized_report(report, "id")["errors"][0]["message"] == "NPWP harus 15 atau 16 digit (terbaca 5 digit)"


# --- pages, the API and e-mails in the chosen language ---------------------------------------------------------

def error_card(response):
    return one(page_tree(response), f"//section[{has_class('error-card')}]")


@pytest.mark.parametrize(("user", "method", "path", "status", "titles", "message"), [
    ("kasi", "get", "/kampanye/999999", 404, ("Tidak ditemukan", "Not found"), "Campaign 999999 was not found."),
    ("unit", "get", "/dokumentasi", 403, ("Akses ditolak", "Access denied"),
     "The process documentation and performance are for KLIP staff only."),
    ("kasi", "get", "/tidak-ada", 404, ("Tidak ditemukan", "Not found"), "does not exist"),
    ("kasi", "post", "/kampanye", 405, ("Metode tidak diizinkan", "Method not allowed"), "cannot be opened that way"),
])
def test_error_pages_come_out_in_the_session_language(client, make_ctx, user, method, path, status, titles,
                                                      message) -> None:
    setup_sop(make_ctx)
    login_as(client, user)
    response = getattr(client, method)(path)
    assert response.status_code == status and text_of(one(error_card(response), "./h1")) == f"{titles[0]} ({status})"
    client.get("/bahasa/en")
    response = getattr(client, method)(path)
    card = error_card(response)
    assert response.status_code == status and one(page_tree(response), "/html/@lang") == "en"
    assert text_of(one(card, "./h1")) == f"{titles[1]} ({status})"
    assert message in text_of(card) and "Kembali" not in text_of(card)  # the engine's message and the explanation


def test_role_codes_never_reach_the_page(client, make_ctx) -> None:
    setup_sop(make_ctx)
    login_as(client, "kasi")
    assert one(page_tree(client.get("/")), f"//span[{has_class('who')}]/@title") == "Kepala Seksi Operasional"
    client.get("/bahasa/en")
    assert one(page_tree(client.get("/")), f"//span[{has_class('who')}]/@title") == "Head of Operations Section"


def test_api_errors_follow_accept_language(client, make_ctx) -> None:
    setup_sop(make_ctx)
    headers = bearer(make_ctx(), "kasi")
    body = client.get("/api/v1/campaigns/999999", headers=headers).get_json()
    assert body == {"error": "not_found", "message": "Kampanye 999999 tidak ditemukan.", "fields": {}}
    english = {**headers, "Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}
    assert client.get("/api/v1/campaigns/999999", headers=english).get_json()["message"] == \
        "Campaign 999999 was not found."
    body = client.get("/api/v1/tasks?page=0", headers=english).get_json()
    assert body == {"error": "invalid_input", "message": "Invalid parameter.",
                    "fields": {"page": "must be a whole number 1–1,000,000"}}
    assert client.get("/api/v1/tasks?sort=x", headers=english).get_json()["fields"] == {
        "sort": "must be one of: due, age, campaign"}
    assert client.get("/api/v1/tasks", headers={"Accept-Language": "en"}).get_json()["message"] == \
        "The API token is missing or unknown, or its user is inactive."


def test_an_email_goes_out_in_its_recipients_language(make_ctx) -> None:
    setup_sop(make_ctx)
    create_user(make_ctx(), "kasi_en", ["kasi"], profile=Profile("Kasi EN", "kasi.en@pajak.go.id", language="en"))
    create_user(make_ctx(), "kasi_id", ["kasi"], profile=Profile("Kasi ID", "kasi.id@pajak.go.id"))
    new_campaign(make_ctx)
    with make_ctx().transaction() as session:
        mails = {row.payload["to"]: row.payload for row in session.scalars(select(Outbox))}
    english, indonesian = mails["kasi.en@pajak.go.id"], mails["kasi.id@pajak.go.id"]
    assert english["lang"] == "en" and english["subject"].startswith("[KLIP] A task is open for your lane: ")
    assert "\nOpen: " in english["body"] and "automatic message" in english["body"]
    assert indonesian["subject"].startswith("[KLIP] Tugas terbuka untuk lajur Anda: ")
    assert "\nBuka: " in indonesian["body"]


def test_a_users_language_must_be_one_we_have(make_ctx) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_user(make_ctx(), "kasi_fr", ["kasi"], profile=Profile("Kasi FR", language="fr"))
    assert refused.value.fields == {"language": "Bahasa harus salah satu dari: id, en."}


def test_text_survives_json_with_its_template() -> None:
    text = N_("Nomor telepon {ref} tidak valid dan diabaikan", ref=N_("ke-{n}", n=2))
    again = Text.from_json(json.loads(json.dumps(text.to_json())))
    assert again == text == "Nomor telepon ke-2 tidak valid dan diabaikan"
    assert again.render("en") == "Phone number #2 is invalid and was ignored"


def test_expired_form_and_too_large_pages_are_explained_in_english(settings, clock, make_ctx) -> None:
    from webapp import create_app

    setup_sop(make_ctx)
    app = create_app({"KLIP_SETTINGS": settings, "KLIP_CLOCK": clock, "TESTING": True, "WTF_CSRF_ENABLED": True,
                      "MAX_CONTENT_LENGTH": 1024 * 1024})
    try:
        client = login_as(app.test_client(), "kasi")
        client.get("/bahasa/en")
        expired = client.post("/kampanye/unggah", data={"title": "x"})
        assert expired.status_code == 400
        assert text_of(one(error_card(expired), "./h1")) == "Form expired (400)"
        assert "reload the page and try again" in text_of(error_card(expired))
        big = client.post("/kampanye/unggah", data=b"x" * (2 * 1024 * 1024), content_type="text/csv")
        assert big.status_code == 413 and text_of(one(error_card(big), "./h1")) == "The file is too large (413)"
        assert "larger than the 1 MB limit" in text_of(error_card(big))
    finally:
        app.extensions["klip"].engine.dispose()
