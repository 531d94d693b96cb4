"""JSON API v1: the whole SOP driven through the API alone, and every status code it promises."""
from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.demo import npwp15, sample_target_list
from engine.users import set_active
from engine.walkthrough import WORK_PLAN

from sop_helpers import do, new_campaign, setup_sop, to_distribution
from web_helpers import bearer, login_as

USERS = ("kasi", "pelaksana", "agen1", "agen2", "agen3", "kepala", "pkl", "unit")
AGENTS = ("agen1", "agen2", "agen3")


class Api:
    """The test client plus one bearer token per demo user."""

    def __init__(self, client: Any, make_ctx: Any):
        self.client = client
        self.headers = {name: bearer(make_ctx(), name) for name in USERS}

    def get(self, user: str, path: str) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers[user])

    def post(self, user: str, path: str, body: Any) -> Any:
        return self.client.post("/api/v1" + path, json=body, headers=self.headers[user])

    def upload(self, user: str, content: bytes | None, **form: str) -> Any:
        data: dict[str, Any] = {"title": "Himbauan SPT 2025", "requester": "Direktorat P2Humas", "topic": "SPT"} | form
        if content is not None:
            data["file"] = (io.BytesIO(content), "sasaran.csv")
        return self.client.post("/api/v1/campaigns", data=data, headers=self.headers[user],
                                content_type="multipart/form-data")

    def task(self, user: str, bpmn_id: str, campaign_id: int) -> dict[str, Any]:
        found = [t for t in self.get(user, "/tasks").get_json()
                 if t["bpmn_id"] == bpmn_id and t["campaign_id"] == campaign_id]
        assert len(found) == 1, f"{user} should have exactly one {bpmn_id}"
        return found[0]

    def complete(self, user: str, bpmn_id: str, campaign_id: int, data: dict[str, Any]) -> dict[str, Any]:
        response = self.post(user, f"/tasks/{self.task(user, bpmn_id, campaign_id)['id']}", data)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def campaign_ids(self) -> list[int]:
        return [c["id"] for c in self.get("kasi", "/campaigns").get_json()]


@pytest.fixture
def api(app, make_ctx) -> Api:
    setup_sop(make_ctx)
    return Api(app.test_client(), make_ctx)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"} and body["message"]
    if code:
        assert body["error"] == code
    return body


def aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None
    return value


# --- the whole SOP through the API ---------------------------------------------------------------

def call_until_final(api: Api, agent: str, contact: dict[str, Any], callback_at: str) -> int:
    """Phone one contact: every third needs three attempts (no answer; a callback asked for; delivered then)."""
    first = contact["attempts"] == 0 and contact["id"] % 3 == 0
    outcomes = ["tidak_diangkat", "minta_dihubungi_kembali", "tersampaikan"] if first else ["tersampaikan"]
    for outcome in outcomes:
        body = {"outcome": outcome, "notes": "dicatat lewat API", "duration_s": 42}
        if outcome == "minta_dihubungi_kembali":
            body["callback_at"] = callback_at
        response = api.post(agent, f"/contacts/{contact['id']}/calls", body)
        assert response.status_code == 201, response.get_json()
        contact = response.get_json()
        assert contact["last_outcome"] == outcome
    assert contact["final_outcome"] == outcomes[-1]
    return contact["attempts"]


def test_whole_sop_through_the_api(api: Api, clock) -> None:
    response = api.upload("unit", sample_target_list(9))
    assert response.status_code == 201
    created = response.get_json()
    cid, iid = created["id"], created["instance_id"]
    assert response.headers["Location"].endswith(f"/api/v1/campaigns/{cid}")
    report = created["import_report"]
    assert (report["rows"], report["accepted"], report["rejected"], report["duplicates"]) == (12, 9, 2, 1)
    assert {"row": 11, "field": "npwp"}.items() <= report["errors"][0].items()
    assert report["warnings"][0]["row"] == 12

    campaign = api.get("kasi", f"/campaigns/{cid}").get_json()
    assert campaign["instance_id"] == iid and campaign["title"] == "Himbauan SPT 2025"
    assert (campaign["progress"]["contacts"], campaign["progress"]["final"]) == (9, 0)
    aware(campaign["created_at"])

    api.complete("kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    api.complete("pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    result = api.complete("kasi", "teliti_rencana_kerja", cid,
                          {"keputusan": "kembalikan", "catatan": "Tambahkan shift sore."})
    assert result["completed"] is True and result["instance_id"] == iid
    again = api.task("pelaksana", "susun_rencana_kerja", cid)  # returned at step 3
    detail = api.get("pelaksana", f"/tasks/{again['id']}").get_json()
    assert detail["form"]["schema"]["required"] == ["rencana_mulai", "rencana_selesai", "materi", "naskah"]
    api.complete("pelaksana", "susun_rencana_kerja", cid, {**WORK_PLAN, "jadwal": "Shift pagi dan sore"})
    api.complete("kasi", "teliti_rencana_kerja", cid, {"keputusan": "setuju"})
    api.complete("kasi", "distribusi_pekerjaan", cid, {"agen": list(AGENTS)})

    callback_at = (clock.current + timedelta(days=1)).isoformat()
    attempts = 0
    for agent in AGENTS:
        step5 = api.task(agent, "hubungi_wajib_pajak", cid)
        assert step5["assignee"] == agent and step5["lane"] == "Agen"
        assert step5["due_at"] == "2026-03-20T16:00:00+07:00"  # work plan's end date, office time
        mine = api.get(agent, f"/campaigns/{cid}/contacts?assigned=me").get_json()
        assert len(mine) == 3
        for contact in mine:
            assert re.fullmatch(r"••\.•••\.\d{3}\.\d-\d{3}\.\d{3}", contact["npwp"]), contact["npwp"]
            assert contact["phones"][0].startswith("+62")
            attempts += call_until_final(api, agent, contact, callback_at)
        assert all(c["final_outcome"] for c in api.get(agent, f"/campaigns/{cid}/contacts?assigned=me").get_json())
        api.complete(agent, "hubungi_wajib_pajak", cid, {"ringkasan": f"Selesai oleh {agent}."})

    api.complete("pelaksana", "susun_laporan", cid, {"ringkasan_pelaksanaan": "Selesai sesuai rencana kerja."})
    api.complete("kasi", "teliti_laporan", cid, {"keputusan": "setuju"})
    api.complete("kepala", "tandatangani_laporan", cid, {"keputusan": "tandatangani"})
    api.complete("pkl", "sampaikan_laporan", cid,
                 {"nomor_surat": "ND-7/KLIP/2026", "tanggal_kirim": "2026-03-20", "diteruskan_ke_pkl": True})

    signed = api.get("unit", f"/campaigns/{cid}/report").get_json()
    assert signed["signed_by"] == "kepala" and len(signed["sha256"]) == 64
    assert aware(signed["signed_at"]) == clock.current
    assert signed["totals"]["contacts"] == 9 and signed["totals"]["reached"] == 9
    assert signed["totals"]["not_reached"] == 0 and sum(signed["totals"]["by_outcome"].values()) == 9
    assert sorted(a["agent"] for a in signed["by_agent"]) == list(AGENTS)
    assert sum(a["attempts"] for a in signed["by_agent"]) == attempts > 9

    instance = api.get("kasi", f"/instances/{iid}").get_json()
    assert instance["status"] == "completed" and instance["tasks"] == []
    assert len(instance["version"]["sha256"]) == 64
    decisions = [(h["user"], h["task"]) for h in instance["history"] if h["action"] == "task_completed"]
    # 9 steps, plus the returned plan drafted and reviewed again, plus two more agents at step 5
    assert sorted(Counter(task for _, task in decisions).values()) == [1, 1, 1, 1, 1, 1, 2, 2, 3]
    assert {user for user, _ in decisions} == {"kasi", "pelaksana", "kepala", "pkl", *AGENTS}
    aware(instance["history"][0]["at"])
    assert api.get("kasi", "/tasks").get_json() == []


# --- 401 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer not-a-token", "Basic a2FzaTpzZWNyZXQ="])
def test_missing_or_bad_token_is_401_json(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = api.client.get("/api/v1/tasks", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_is_not_accepted_and_inactive_users_token_stops_working(api: Api, make_ctx) -> None:
    login_as(api.client, "kasi")
    assert_error(api.client.get("/api/v1/tasks"), 401)
    assert api.get("agen1", "/tasks").status_code == 200
    with make_ctx().transaction() as session:
        set_active(session, "agen1", False)
    assert_error(api.get("agen1", "/tasks"), 401)


# --- 400, 404 and 405 stay JSON -------------------------------------------------------------------

def test_unknown_route_wrong_method_and_malformed_json_are_json(api: Api, make_ctx) -> None:
    assert_error(api.get("kasi", "/nothing-here"), 404, "not_found")
    assert_error(api.client.delete("/api/v1/tasks", headers=api.headers["kasi"]), 405, "method_not_allowed")
    cid = new_campaign(make_ctx, 6)
    task = api.task("kasi", "tugaskan_pelaksana", cid)
    for raw in (b"{not json", b"[1, 2]", b""):
        response = api.client.post(f"/api/v1/tasks/{task['id']}", data=raw, headers=api.headers["kasi"],
                                   content_type="application/json")
        assert "JSON" in assert_error(response, 400, "bad_request")["message"]
    assert api.task("kasi", "tugaskan_pelaksana", cid)["id"] == task["id"]  # nothing completed


@pytest.mark.parametrize("path", ["/campaigns/9999", "/campaigns/9999/report", "/campaigns/9999/contacts",
                                  "/tasks/no-such-task", "/instances/9999"])
def test_unknown_resources_are_404(api: Api, path: str) -> None:
    assert_error(api.get("kasi", path), 404, "not_found")


def test_unknown_task_and_contact_on_post_are_404(api: Api) -> None:
    assert_error(api.post("kasi", "/tasks/no-such-task", {"pelaksana": "pelaksana"}), 404, "not_found")
    assert_error(api.post("agen1", "/contacts/9999/calls", {"outcome": "tersampaikan"}), 404, "not_found")


# --- 403 ------------------------------------------------------------------------------------------

@pytest.fixture
def calling(api: Api, make_ctx) -> int:
    """A 6-contact campaign at step 5: agen1 and agen2 have three contacts each."""
    cid = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, cid)
    do(make_ctx, "kasi", "distribusi_pekerjaan", cid, {"agen": ["agen1", "agen2"]})
    return cid


def test_wrong_role_on_a_task_is_403(api: Api, make_ctx) -> None:
    cid = new_campaign(make_ctx, 6)
    task = api.task("kasi", "tugaskan_pelaksana", cid)
    assert_error(api.get("pelaksana", f"/tasks/{task['id']}"), 403, "not_allowed")
    assert_error(api.post("pelaksana", f"/tasks/{task['id']}", {"pelaksana": "pelaksana"}), 403)
    assert task["id"] not in [t["id"] for t in api.get("pelaksana", "/tasks").get_json()]
    assert api.task("kasi", "tugaskan_pelaksana", cid)["id"] == task["id"]


def test_wrong_agent_on_a_task_and_on_a_contact_is_403(api: Api, calling: int) -> None:
    task = api.task("agen1", "hubungi_wajib_pajak", calling)
    assert_error(api.get("agen2", f"/tasks/{task['id']}"), 403, "not_allowed")
    assert_error(api.post("agen2", f"/tasks/{task['id']}", {"ringkasan": "bukan tugas saya"}), 403)
    contact = api.get("agen1", f"/campaigns/{calling}/contacts?assigned=me").get_json()[0]
    assert_error(api.post("agen2", f"/contacts/{contact['id']}/calls", {"outcome": "tersampaikan"}), 403)
    unchanged = api.get("agen1", f"/campaigns/{calling}/contacts?assigned=me").get_json()[0]
    assert (unchanged["id"], unchanged["attempts"]) == (contact["id"], 0)


def test_agent_may_not_list_all_contacts_but_kasi_may(api: Api, calling: int) -> None:
    assert_error(api.get("agen1", f"/campaigns/{calling}/contacts"), 403, "not_allowed")
    assert_error(api.get("agen1", f"/campaigns/{calling}/contacts?assigned=all"), 403)
    everyone = api.get("kasi", f"/campaigns/{calling}/contacts").get_json()
    assert len(everyone) == 6
    full = [npwp15(100 + i) for i in range(6)]
    assert not {c["npwp"] for c in everyone} & set(full)  # masked (UU PDP)
    assert len(api.get("kasi", f"/campaigns/{calling}/contacts?limit=2&offset=1").get_json()) == 2
    assert_error(api.get("kasi", f"/campaigns/{calling}/contacts?assigned=someone"), 422)


def test_only_uploading_roles_may_create_a_campaign(api: Api) -> None:
    before = api.campaign_ids()
    assert_error(api.upload("pkl", sample_target_list(6)), 403, "not_allowed")
    assert api.campaign_ids() == before


# --- 409 ------------------------------------------------------------------------------------------

def test_completing_a_task_twice_is_409(api: Api, make_ctx) -> None:
    cid = new_campaign(make_ctx, 6)
    task = api.task("kasi", "tugaskan_pelaksana", cid)
    assert api.post("kasi", f"/tasks/{task['id']}", {"pelaksana": "pelaksana"}).status_code == 200
    assert_error(api.post("kasi", f"/tasks/{task['id']}", {"pelaksana": "pelaksana"}), 409, "task_not_ready")
    assert_error(api.get("kasi", f"/tasks/{task['id']}"), 409)


def test_call_on_a_final_contact_or_after_the_assignment_is_409(api: Api, calling: int) -> None:
    contacts = api.get("agen1", f"/campaigns/{calling}/contacts?assigned=me").get_json()
    assert api.post("agen1", f"/contacts/{contacts[0]['id']}/calls", {"outcome": "menolak"}).status_code == 201
    assert_error(api.post("agen1", f"/contacts/{contacts[0]['id']}/calls", {"outcome": "tersampaikan"}), 409)
    api.complete("agen1", "hubungi_wajib_pajak", calling, {"kendala": "dua kontak belum terhubung"})
    assert_error(api.post("agen1", f"/contacts/{contacts[1]['id']}/calls", {"outcome": "tersampaikan"}), 409)


# --- 422 ------------------------------------------------------------------------------------------

def test_invalid_task_data_is_422_per_field_and_changes_nothing(api: Api, make_ctx) -> None:
    cid = new_campaign(make_ctx, 6)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    task = api.task("pelaksana", "susun_rencana_kerja", cid)
    before = api.get("pelaksana", f"/tasks/{task['id']}").get_json()
    body = assert_error(api.post("pelaksana", f"/tasks/{task['id']}",
                                 {"rencana_mulai": "besok", "naskah": " ", "target_kontak": 0}), 422, "invalid_input")
    assert set(body["fields"]) >= {"rencana_mulai", "rencana_selesai", "naskah", "target_kontak"}
    assert body["fields"]["rencana_selesai"] == "wajib diisi"
    assert api.task("pelaksana", "susun_rencana_kerja", cid)["id"] == task["id"]
    assert api.get("pelaksana", f"/tasks/{task['id']}").get_json() == before
    assert_error(api.post("kasi", f"/tasks/{task['id']}", WORK_PLAN), 403)  # still pelaksana's


def test_returning_without_notes_is_422_on_catatan(api: Api, make_ctx) -> None:
    cid = new_campaign(make_ctx, 6)
    do(make_ctx, "kasi", "tugaskan_pelaksana", cid, {"pelaksana": "pelaksana"})
    do(make_ctx, "pelaksana", "susun_rencana_kerja", cid, WORK_PLAN)
    task = api.task("kasi", "teliti_rencana_kerja", cid)
    body = assert_error(api.post("kasi", f"/tasks/{task['id']}", {"keputusan": "kembalikan"}), 422)
    assert list(body["fields"]) == ["catatan"]
    assert api.task("kasi", "teliti_rencana_kerja", cid)["id"] == task["id"]


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "diculik_alien"}, "outcome"),
    ({}, "outcome"),
    ({"outcome": "minta_dihubungi_kembali"}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": "besok pagi"}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": "2026-03-10T09:00:00"}, "callback_at"),
    ({"outcome": "minta_dihubungi_kembali", "callback_at": "2020-01-01T09:00:00+07:00"}, "callback_at"),
    ({"outcome": "tersampaikan", "duration_s": "lama"}, "duration_s"),
    ({"outcome": "tersampaikan", "phone": "081100000000"}, "phone"),
])
def test_invalid_call_is_422_on_the_field_and_records_nothing(api: Api, calling: int, body: dict, field: str) -> None:
    contact = api.get("agen1", f"/campaigns/{calling}/contacts?assigned=me").get_json()[0]
    response = api.post("agen1", f"/contacts/{contact['id']}/calls", body)
    assert field in assert_error(response, 422, "invalid_input")["fields"]
    assert api.get("agen1", f"/campaigns/{calling}/contacts?assigned=me").get_json()[0] == contact


@pytest.mark.parametrize(("content", "form", "field"), [
    (None, {}, "file"),
    (b"", {}, "file"),
    (b"kolom,lain\n1,2\n", {}, "file"),
    ("npwp,nama,telepon\n".encode("utf-16"), {}, "file"),
    (sample_target_list(6), {"title": "  "}, "title"),
    (sample_target_list(6), {"requester": ""}, "requester"),
])
def test_unusable_upload_is_422_and_stores_nothing(api: Api, content: bytes | None, form: dict, field: str) -> None:
    api.upload("kasi", sample_target_list(6))
    before = api.campaign_ids()
    body = assert_error(api.upload("kasi", content, **form), 422, "invalid_input")
    assert field in body["fields"]
    assert api.campaign_ids() == before and len(before) == 1
