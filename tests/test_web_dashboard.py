"""The dashboard page: every part named, numbers with their units, the chart as text and table, the right menus."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine import campaign as campaigns

from sop_helpers import do, new_campaign, setup_sop, to_distribution
from web_helpers import has_class, login_as, one, page_tree, rows_of, text_of


@pytest.fixture
def office(make_ctx, clock) -> int:
    """A campaign at step 5 with two calls today and one yesterday, and another campaign whose step 1 is overdue."""
    setup_sop(make_ctx)
    new_campaign(make_ctx, 2)
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    clock.set(clock() + timedelta(days=3))
    [first, second, *_] = campaigns.list_contacts(make_ctx(), "agen1", cid)
    campaigns.record_call(make_ctx(), "agen1", first.id, "tersampaikan")
    clock.set(clock() + timedelta(days=1))
    campaigns.record_call(make_ctx(), "agen1", second.id, "sibuk")
    campaigns.record_call(make_ctx(), "agen1", second.id, "sudah_melaksanakan")
    return cid


def section(tree, heading_id: str):
    return one(tree, "//section[@aria-labelledby=$id]", id=heading_id)


def test_the_operations_part_shows_every_figure_with_its_unit(client, office) -> None:
    response = login_as(client, "kasi").get("/dasbor")
    assert response.status_code == 200
    tree = page_tree(response)
    assert text_of(one(tree, "//h1")) == "Dasbor"
    assert one(tree, "//nav[@class='mainnav']/a[@href='/dasbor']").get("class") == "active"
    status_rows = rows_of(one(tree, f"//table[{has_class('dash-status')}]"))
    assert [row[0] for row in status_rows] == ["Perencanaan", "Penyampaian informasi", "Pelaporan",
                                               "Pengiriman laporan", "Selesai"]
    assert status_rows[1][1:] == ["1", "2 dari 6 kontak (33,3%)"]
    bar = one(section(tree, "dash-status"), ".//tbody/tr[2]//div[@role='progressbar']")
    assert (bar.get("aria-valuenow"), bar.get("aria-valuemax"), bar.get("aria-label")) == (
        "2", "6", "Kontak selesai: Penyampaian informasi")
    campaigns_table = one(tree, f"//table[{has_class('dash-campaigns')}]")
    [row] = [r for r in rows_of(campaigns_table) if r[1] == "Penyampaian informasi"]
    assert row[2] == "2 dari 6 kontak selesai (33,3%)"
    assert row[3] == "33,3% 2 dari 6 kontak terhubung" and row[4] == "3"
    agents = {r[0]: r[1:] for r in rows_of(one(tree, f"//table[{has_class('dash-agents')}]"))}
    assert agents["Agen 1 (demo)"] == ["1", "2", "1"] and agents["Agen 2 (demo)"] == ["3", "0", "1"]
    overdue = section(tree, "dash-overdue")
    assert "1 tugas" in text_of(one(overdue, ".//h2"))
    link = one(overdue, ".//tbody//a[contains(@class, 'task-name')]")
    assert link.get("href").startswith("/tugas/") and "terlambat" in text_of(one(overdue, ".//tbody/tr/td[5]"))


def test_the_calls_chart_is_named_described_labelled_and_has_a_table(client, office) -> None:
    tree = page_tree(login_as(client, "kepala").get("/dasbor"))
    svg = one(tree, "//svg[contains(@class, 'bar-chart')]")
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby"), svg.get("aria-describedby")  # named by the title alone
    assert text_of(one(svg, ".//*[@id=$id]", id=title_id)) == "Panggilan per hari, 14 hari terakhir"
    assert text_of(one(svg, ".//*[@id=$id]", id=desc_id)) == (
        "3 panggilan dari 28 Feb 2026 sampai 13 Mar 2026; terbanyak 2 panggilan pada 13 Mar 2026.")
    bars = svg.xpath(".//*[local-name()='g'][contains(@class, 'bar')]")
    assert len(bars) == 14
    assert [text_of(b.xpath(".//*[local-name()='text'][@class='value']")[0]) for b in bars[-2:]] == ["1", "2"]
    table = one(tree, "//details[contains(@class, 'chart-data')]//table")
    assert rows_of(table)[:2] == [["13 Mar 2026", "2"], ["12 Mar 2026", "1"]] and len(rows_of(table)) == 14
    assert "Jumlah: 3 panggilan dalam 14 hari terakhir." in text_of(section(tree, "dash-calls"))
    month = page_tree(login_as(client, "kepala").get("/dasbor?days=30"))
    assert len(month.xpath("//*[local-name()='g'][contains(@class, 'bar')]")) == 30
    assert one(month, "//nav[contains(@class, 'tabs')]/a[@aria-current='page']").get("href") == "/dasbor?days=30"
    odd = page_tree(login_as(client, "kepala").get("/dasbor?days=5"))  # not a period on offer: the default
    assert len(odd.xpath("//*[local-name()='g'][contains(@class, 'bar')]")) == 14


def test_pkl_sees_only_the_quality_part_and_others_no_dashboard(client, office) -> None:
    tree = page_tree(login_as(client, "pkl").get("/dasbor"))
    assert tree.xpath("//section[@aria-labelledby='dash-status']") == []
    assert "Belum ada penilaian kualitas agen yang disetujui." in text_of(section(tree, "dash-quality"))
    for who in ("pelaksana", "agen1", "unit"):
        other = login_as(client, who)
        assert other.get("/dasbor").status_code == 403
        assert other.get("/dasbor.xlsx").status_code == 403
        assert page_tree(other.get("/")).xpath("//nav[@class='mainnav']/a[@href='/dasbor']") == []


def test_the_report_page_offers_the_calls_spreadsheet(client, office) -> None:
    tree = page_tree(login_as(client, "kasi").get(f"/kampanye/{office}/laporan"))
    link = one(tree, f"//a[{has_class('calls-xlsx')}]")
    assert link.get("href") == f"/kampanye/{office}/panggilan.xlsx"
    assert text_of(link) == "Unduh rincian panggilan (XLSX)"
    board = page_tree(login_as(client, "kasi").get("/dasbor"))
    assert text_of(one(board, "//a[@href='/dasbor.xlsx?days=14']")) == "Unduh tabel dasbor (XLSX)"
