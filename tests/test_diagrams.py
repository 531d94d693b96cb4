"""The live instance diagram and the per-version documentation."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine import pages
from engine.errors import NotAllowed
from engine.process import tick

from sop_helpers import do, finish_calls, instance_of, new_campaign, setup_sop, to_distribution
from web_helpers import one, xml_tree


def classes_of(svg: str, element_id: str) -> list[str]:
    """The CSS classes of the shape (an SVG group) drawn for the BPMN element ``element_id``."""
    shape = one(xml_tree(svg), "//*[local-name()='g'][@data-element-id=$id]", id=element_id)
    return shape.get("class", "").split()


def marks_of(svg: str, element_id: str) -> list[str]:
    """The state marks drawn on the shape of ``element_id`` (their state class)."""
    shape = one(xml_tree(svg), "//*[local-name()='g'][@data-element-id=$id]", id=element_id)
    return [c for mark in shape.xpath(".//*[contains(@class, 'bpmn-state-mark')]")
            for c in mark.get("class", "").split() if c.endswith("-mark") and c != "bpmn-state-mark"]


def test_instance_diagram_colours_completed_active_and_overdue(make_ctx, clock) -> None:
    setup_sop(make_ctx)
    cid = new_campaign(make_ctx)
    to_distribution(make_ctx, cid)
    iid = instance_of(make_ctx, cid)
    diagram = pages.instance_page(make_ctx(), "kasi", iid).diagram
    assert {"tugaskan_pelaksana", "susun_rencana_kerja", "teliti_rencana_kerja"} <= set(diagram.completed)
    assert diagram.active == ("distribusi_pekerjaan",) and diagram.overdue == ()
    assert "state-completed" in classes_of(diagram.svg, "flow_tugaskan_susun_rencana")
    assert "state-active" in classes_of(diagram.svg, "distribusi_pekerjaan")
    assert marks_of(diagram.svg, "distribusi_pekerjaan") == ["state-active-mark"]  # not told by colour alone
    assert marks_of(diagram.svg, "tugaskan_pelaksana") == ["state-completed-mark"]
    assert marks_of(diagram.svg, "susun_laporan") == []
    drawing = xml_tree(diagram.svg)  # an image named by the SOP's title
    assert drawing.get("role") == "img" and drawing[0].text == diagram.sop_metadata["judul"]
    assert "state-completed" not in classes_of(diagram.svg, "susun_laporan")
    assert "menugaskan agen" in diagram.documentation["distribusi_pekerjaan"]
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1"]})
    clock.set(datetime(2026, 3, 17, 3, 0, tzinfo=timezone.utc))
    finish_calls(make_ctx, cid, "agen1")
    clock.set(datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc))
    tick(make_ctx())
    late = pages.instance_page(make_ctx(), "kasi", iid).diagram
    assert "susun_laporan" in late.overdue and "state-overdue" in classes_of(late.svg, "susun_laporan")
    assert marks_of(late.svg, "susun_laporan") == ["state-overdue-mark"]
    assert "tindak_lanjut_keterlambatan" in late.active


def test_version_documentation_lists_versions_and_draws_the_flowchart(make_ctx) -> None:
    setup_sop(make_ctx)
    page = pages.documentation_page(make_ctx(), "kasi")
    current, versions = page.version, page.versions
    assert current.current and len(versions) == 1
    assert xml_tree(current.svg).xpath("//*[@data-element-id='hubungi_wajib_pajak']")
    assert current.sop_metadata["nomor"] == "LIP20-0008"
    with pytest.raises(NotAllowed):
        pages.documentation_page(make_ctx(), "unit")
