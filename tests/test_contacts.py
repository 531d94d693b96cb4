"""Contacts: bulk import, distribution, call recording, lists, progress and report figures."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import String, cast, func, select
from stdnum import luhn

from engine import access
from engine.campaign import contacts, identifiers
from engine.campaign.figures import compute_figures
from engine.campaign.services import call_target
from engine.campaign.target_list import parse_target_list
from engine.context import Context
from engine.errors import InvalidInput, NotAllowed, NotFound, TaskNotReady
from engine.models import CallAttempt, Campaign, Contact, User


def npwp15(serial: int) -> str:
    head = f"01{serial:06d}"
    return head + luhn.calc_check_digit(head) + "091000"


def target_csv(n: int) -> bytes:
    lines = ["npwp;nama;telepon;kpp;tahun_pajak"]
    lines += [f"{npwp15(i)};WP {i};0812{i:08d};KPP {i % 7};2024" for i in range(1, n + 1)]
    return ("\n".join(lines) + "\n").encode()


def new_campaign(ctx: Context, n: int) -> int:
    """Create a campaign with ``n`` contacts parsed from a CSV; return its id."""
    parsed = parse_target_list("target.csv", target_csv(n))
    with ctx.transaction() as session:
        campaign = Campaign(
            title="Himbauan SPT Tahunan", requester="KPP Gambir", source_filename="target.csv",
            source_sha256="0" * 64, import_report=parsed.report, created_by="kasi", created_at=ctx.now(),
        )
        session.add(campaign)
        session.flush()
        assert contacts.add_contacts(session, campaign.id, parsed.rows) == n
        return campaign.id


def contact_ids(ctx: Context, campaign_id: int, agent: str | None = None) -> list[int]:
    with ctx.transaction() as session:
        return [v.id for v in contacts.list_contacts(session, campaign_id, agent=agent)]


def call(ctx: Context, username: str, contact_id: int, outcome: str, **kwargs: Any) -> CallAttempt:
    """A call by ``username`` on one of their contacts (``engine.access`` decides whose it is); the attempt stored."""
    with ctx.transaction() as session:
        target = call_target(session, username, contact_id)
        access.may_call_contact(User(username=username), target.agent)
        recorded = contacts.record_call(session, ctx.now(), ctx.settings, target, outcome, **kwargs)
        return session.get_one(CallAttempt, recorded.attempt_id)


@pytest.fixture
def campaign(ctx: Context) -> int:
    """A campaign of 10 contacts distributed to agen1 (rows 2-5), agen2 (6-8), agen3 (9-11)."""
    campaign_id = new_campaign(ctx, 10)
    with ctx.transaction() as session:
        contacts.distribute_contacts(session, campaign_id, ["agen1", "agen2", "agen3"])
    return campaign_id


def test_distribution_is_even_contiguous_and_opens_calling(ctx: Context, make_ctx: Any) -> None:
    campaign_id = new_campaign(ctx, 10)
    agents = ["agen1", "agen2", "agen3"]
    with ctx.transaction() as session:
        assert contacts.preview_distribution(session, campaign_id, agents) == {"agen1": 4, "agen2": 3, "agen3": 3}
        assert session.get(Campaign, campaign_id).status == "perencanaan"  # preview changes nothing
        assert contacts.distribute_contacts(session, campaign_id, agents) == {"agen1": 4, "agen2": 3, "agen3": 3}
    with make_ctx().transaction() as session:
        views = contacts.list_contacts(session, campaign_id)
        assert [v.agent for v in views] == ["agen1"] * 4 + ["agen2"] * 3 + ["agen3"] * 3
        assert [v.row_number for v in views] == list(range(2, 12))
        assert session.get(Campaign, campaign_id).status == "penyampaian"


def test_redistribution_allowed_until_the_first_call(ctx: Context, campaign: int) -> None:
    with ctx.transaction() as session:
        assert contacts.distribute_contacts(session, campaign, ["agen4", "agen5"]) == {"agen4": 5, "agen5": 5}
    call(ctx, "agen4", contact_ids(ctx, campaign)[0], "sibuk")
    with pytest.raises(InvalidInput) as info, ctx.transaction() as session:
        contacts.distribute_contacts(session, campaign, ["agen1"])
    assert "agents" in info.value.fields


def test_distribution_rejects_bad_agent_lists(ctx: Context, campaign: int) -> None:
    for agents in ([], ["agen1", "agen1"], ["agen1", " "]):
        with pytest.raises(InvalidInput), ctx.transaction() as session:
            contacts.distribute_contacts(session, campaign, agents)
    with pytest.raises(NotFound), ctx.transaction() as session:
        contacts.preview_distribution(session, 999, ["agen1"])


def test_more_agents_than_contacts(ctx: Context) -> None:
    campaign_id = new_campaign(ctx, 2)
    with ctx.transaction() as session:
        assert contacts.distribute_contacts(session, campaign_id, ["a", "b", "c"]) == {"a": 1, "b": 1, "c": 0}


def test_record_call_checks_who_and_what(ctx: Context, campaign: int) -> None:
    first = contact_ids(ctx, campaign, "agen1")[0]
    with pytest.raises(NotAllowed):
        call(ctx, "agen2", first, "tersampaikan")
    with pytest.raises(NotFound):
        call(ctx, "agen1", 999_999, "tersampaikan")
    with pytest.raises(InvalidInput) as info:
        call(ctx, "agen1", first, "entah", duration_s=-1, phone="081299999999")
    assert set(info.value.fields) == {"outcome", "duration_s", "phone"}
    with ctx.transaction() as session:
        assert contacts.progress(session, campaign)["attempts"] == 0  # nothing stored by refused calls


def test_callback_requires_a_future_time(ctx: Context, campaign: int) -> None:
    first = contact_ids(ctx, campaign, "agen1")[0]
    with pytest.raises(InvalidInput) as info:
        call(ctx, "agen1", first, "minta_dihubungi_kembali")
    assert "callback_at" in info.value.fields
    with pytest.raises(InvalidInput) as info:
        call(ctx, "agen1", first, "minta_dihubungi_kembali", callback_at=ctx.now() - timedelta(hours=1))
    assert "masa lalu" in info.value.fields["callback_at"]
    attempt = call(ctx, "agen1", first, "minta_dihubungi_kembali", callback_at=ctx.now() + timedelta(days=1))
    assert attempt.callback_at == ctx.now() + timedelta(days=1)


def test_contact_closes_after_max_non_final_attempts(ctx: Context, make_ctx: Any, campaign: int) -> None:
    first = contact_ids(ctx, campaign, "agen1")[0]
    for outcome in ("tidak_diangkat", "sibuk"):
        call(make_ctx(), "agen1", first, outcome)
    with make_ctx().transaction() as session:
        view = contacts.contact_views(session, [first])[0]
    assert (view.attempts, view.final_outcome, view.last_outcome) == (2, None, "sibuk")
    attempt = call(make_ctx(), "agen1", first, "kotak_suara", phone="0812-0000-0001", duration_s=0)
    assert attempt.phone == "+6281200000001"
    with make_ctx().transaction() as session:
        contact = session.get(Contact, first)
        assert (contact.attempts, contact.final_outcome, contact.last_call_at) == (3, "kotak_suara", ctx.now())
    with pytest.raises(TaskNotReady):
        call(ctx, "agen1", first, "tersampaikan")


def test_final_outcome_closes_at_once(ctx: Context, campaign: int) -> None:
    first = contact_ids(ctx, campaign, "agen1")[0]
    call(ctx, "agen1", first, "tersampaikan", notes="Sudah dijelaskan", recording_ref="rec-1")
    with pytest.raises(TaskNotReady):
        call(ctx, "agen1", first, "sibuk")
    with ctx.transaction() as session:
        assert session.get(Contact, first).final_outcome == "tersampaikan"


def test_no_calls_outside_the_calling_phase(ctx: Context, campaign: int) -> None:
    with ctx.transaction() as session:
        session.get(Campaign, campaign).status = "pelaporan"
    with pytest.raises(TaskNotReady):
        call(ctx, "agen1", contact_ids(ctx, campaign, "agen1")[0], "tersampaikan")


def test_lists_mask_npwp_and_put_open_contacts_first(ctx: Context, campaign: int) -> None:
    ids = contact_ids(ctx, campaign, "agen1")
    call(ctx, "agen1", ids[0], "menolak")
    call(ctx, "agen1", ids[1], "sibuk")
    with ctx.transaction() as session:
        views = contacts.list_contacts(session, campaign, agent="agen1", now=ctx.now())
        page = contacts.list_contacts(session, campaign, limit=2, offset=4)
        progress = contacts.progress(session, campaign, agent="agen1")
    assert [v.id for v in views] == ids[1:] + ids[:1]
    assert [v.last_outcome for v in views] == ["sibuk", None, None, "menolak"]
    n = npwp15(1)
    assert views[-1].npwp_masked == f"••.•••.{n[5:8]}.{n[8]}-{n[9:12]}.{n[12:]}"
    assert identifiers.mask_npwp("0" + n) == "•" + views[-1].npwp_masked
    assert identifiers.mask_npwp("3171234567890001") == "•" * 12 + "0001"
    assert views[-1].phones == ("+6281200000001",) and views[-1].extra == {"tahun_pajak": "2024"}
    assert [v.row_number for v in page] == [6, 7]
    assert progress == {"contacts": 4, "final": 1, "attempts": 2, "reached": 1, "callbacks": 0}


def test_figures_on_a_small_campaign(ctx: Context, campaign: int) -> None:
    a1, a2 = contact_ids(ctx, campaign, "agen1"), contact_ids(ctx, campaign, "agen2")
    call(ctx, "agen1", a1[0], "tersampaikan")
    call(ctx, "agen1", a1[1], "sibuk")
    call(ctx, "agen1", a1[1], "sudah_melaksanakan")
    call(ctx, "agen1", a1[2], "bukan_yang_bersangkutan")
    for _ in range(3):
        call(ctx, "agen2", a2[0], "tidak_aktif")
    call(ctx, "agen2", a2[1], "curiga_penipuan")
    with ctx.transaction() as session:
        figures = compute_figures(session, campaign)
    assert {k: v for k, v in figures["by_outcome"].items() if v} == {
        "tersampaikan": 1, "sudah_melaksanakan": 1, "bukan_yang_bersangkutan": 1, "tidak_aktif": 1,
        "curiga_penipuan": 1,
    }
    assert {k: v for k, v in figures["attempts_by_outcome"].items() if v} == {
        "tersampaikan": 1, "sibuk": 1, "sudah_melaksanakan": 1, "bukan_yang_bersangkutan": 1,
        "tidak_aktif": 3, "curiga_penipuan": 1,
    }
    assert {k: v for k, v in figures.items() if not k.endswith("outcome")} == {
        "contacts": 10, "reached": 3, "not_reached": 7, "final": 5, "open": 5, "attempts": 8, "reach_rate": 0.3,
        "callbacks_open": 0, "by_agent": [
            {"agent": "agen1", "contacts": 4, "attempts": 4, "reached": 2, "final": 3},
            {"agent": "agen2", "contacts": 3, "attempts": 4, "reached": 1, "final": 2},
            {"agent": "agen3", "contacts": 3, "attempts": 0, "reached": 0, "final": 0},
        ],
    }


def test_figures_of_an_empty_campaign_and_unknown_campaign(ctx: Context) -> None:
    campaign_id = new_campaign(ctx, 1)
    with ctx.transaction() as session:
        session.execute(Contact.__table__.delete())
        figures = compute_figures(session, campaign_id)
        assert (figures["contacts"], figures["reach_rate"], figures["by_agent"]) == (0, 0.0, [])
        with pytest.raises(NotFound):
            compute_figures(session, 999)


def test_rows_are_inserted_in_whole_statements_and_the_rest_in_row_order(ctx: Context, make_ctx: Any) -> None:
    """Rows go in ROWS_PER_INSERT to a statement: two whole statements and a part one store every row, each once,
    in row order (ids follow row numbers), with its own values."""
    n = 2 * contacts.ROWS_PER_INSERT + 37
    campaign_id = new_campaign(ctx, n)
    with make_ctx().transaction() as session:
        stored = session.execute(select(Contact.row_number, Contact.npwp, Contact.name, Contact.phones, Contact.kpp,
                                        Contact.extra).where(Contact.campaign_id == campaign_id)
                                 .order_by(Contact.id)).all()
    assert [tuple(r) for r in stored] == [
        (i + 1, npwp15(i), f"WP {i}", [f"+62812{i:08d}"], f"KPP {i % 7}", {"tahun_pajak": "2024"})
        for i in range(1, n + 1)]


def test_hundred_thousand_rows_parse_insert_and_distribute(ctx: Context, make_ctx: Any) -> None:
    campaign_id = new_campaign(ctx, 100_000)
    with make_ctx().transaction() as session:
        counts = contacts.distribute_contacts(session, campaign_id, [f"agen{i}" for i in range(7)])
    assert sorted(set(counts.values())) == [14285, 14286] and sum(counts.values()) == 100_000
    with make_ctx().transaction() as session:
        total = session.scalar(select(func.count()).select_from(Contact).where(Contact.agent.is_not(None)))
        assert total == 100_000
        assert len(contacts.list_contacts(session, campaign_id, agent="agen3", limit=50, now=ctx.now())) == 50


def test_an_imported_contact_is_stored_as_the_orm_stores_it(ctx: Context, make_ctx: Any) -> None:
    """The bulk insert writes plain tuples through the driver: every column, defaults included, must read back as
    a contact the ORM inserted from the same row."""
    content = (f"npwp,nama,telepon,kpp,tahun_pajak,catatan \"é\"\n"
               f"{npwp15(1)},Budi \"B\" Ñoño,0812 1234 5678;021-2703164,,2024,\"a\\b \"\"c\"\"\ttab 😀\"\n"
               f"{npwp15(2)},Siti,+62 812-1234-5679;12,KPP 1,,\n").encode()
    parsed = parse_target_list("a.csv", content)
    assert parsed.rows[1]["warnings"] and parsed.rows[0]["extra"] == {"tahun_pajak": "2024",
                                                                      'catatan "é"': 'a\\b "c"\ttab 😀'}
    with ctx.transaction() as session:
        bulk, orm = (Campaign(title=t, requester="KPP", source_filename="a.csv", source_sha256="0" * 64,
                              import_report={}, created_by="kasi", created_at=ctx.now()) for t in ("bulk", "orm"))
        session.add_all([bulk, orm])
        session.flush()
        bulk_id, orm_id = bulk.id, orm.id
        assert contacts.add_contacts(session, bulk_id, parsed.rows) == 2
        session.add_all(Contact(campaign_id=orm_id, **{k: row[k] for k in contacts.CONTACT_KEYS})
                        for row in parsed.rows)
    columns = [c for c in Contact.__table__.columns if c.name not in ("id", "campaign_id")]
    with make_ctx().transaction() as session:
        stored = {cid: [tuple(r) for r in session.execute(select(*columns).where(Contact.campaign_id == cid)
                                                           .order_by(Contact.row_number))]
                  for cid in (bulk_id, orm_id)}
    assert stored[bulk_id] == stored[orm_id]
    assert stored[bulk_id][1][columns.index(Contact.__table__.c.phones)] == ["+6281212345679"]
    # The JSON columns' text itself, as the ORM writes it (json.dumps), not only the same values read back.
    json_texts = [cast(c, String) for c in (Contact.phones, Contact.extra, Contact.warnings, Contact.closed_phones)]
    with make_ctx().transaction() as session:
        texts = {cid: session.execute(select(*json_texts).where(Contact.campaign_id == cid)
                                      .order_by(Contact.row_number)).all() for cid in (bulk_id, orm_id)}
    assert texts[bulk_id] == texts[orm_id]
    assert texts[bulk_id][0][1] == ('{"tahun_pajak": "2024", "catatan \\"\\u00e9\\"": '
                                    '"a\\\\b \\"c\\"\\ttab \\ud83d\\ude00"}')
