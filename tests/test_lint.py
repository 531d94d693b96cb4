"""The lint (``klip lint``, run by deploy too): its rules, each with a failing and a passing fixture in tests/data/lint,
its output, and analysts' BPMN never running code (malicious expressions rejected, naming the element)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.bpmn_xml import Problem
from engine.errors import InvalidBpmn
from engine.models import ProcessVersion
from engine.process import deploy, lint, load_model_file, rules
from engine.settings import DEFAULT_BPMN

CONDITION = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
             'keputusan == "setuju"</bpmn:conditionExpression>')
TIMER = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">batas_laporan</bpmn:timeDate>'
SCRIPT = "<bpmn:script>penyampaian_selesai = now()"
PAYLOAD = '{"campaign_id": campaign_id, "nomor_surat": nomor_surat}'

MALICIOUS = [
    (CONDITION, "__import__('os').system('id')", "flow_laporan_kasi_setuju"),
    (CONDITION, "().__class__.__bases__", "flow_laporan_kasi_setuju"),
    (CONDITION, "open('/tmp/klip-canary', 'w')", "flow_laporan_kasi_setuju"),
    (CONDITION, "hitung_bonus(keputusan)", "flow_laporan_kasi_setuju"),
    (TIMER, "[c for c in ().__class__.__base__.__subclasses__()]", "batas_waktu_laporan"),
    (SCRIPT, "import os\npenyampaian_selesai = now()", "tetapkan_batas_laporan"),
    (SCRIPT, "exec('print(1)')\npenyampaian_selesai = now()", "tetapkan_batas_laporan"),
    (PAYLOAD, "{'x': (lambda: 1)()}", "kirim_laporan"),
]


def poisoned_copy(tmp_path: Path, anchor: str, evil: str) -> Path:
    """A copy of the real model (with its forms and sidecar) with one expression replaced."""
    shutil.copytree(DEFAULT_BPMN.parent / "forms", tmp_path / "forms")
    shutil.copy(DEFAULT_BPMN.with_suffix(".sop.json"), tmp_path / "model.sop.json")
    text = DEFAULT_BPMN.read_text(encoding="utf-8")
    assert anchor in text
    if anchor == CONDITION:
        replacement = anchor.replace('keputusan == "setuju"', evil.replace("<", "&lt;"))
        text = text.replace(anchor, replacement, 1)
    elif anchor == TIMER:
        text = text.replace(anchor, anchor.replace("batas_laporan", evil))
    elif anchor == SCRIPT:
        text = text.replace(anchor, "<bpmn:script>" + evil)
    else:
        text = text.replace(anchor, evil)
    path = tmp_path / "model.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_model_lints_clean(klip) -> None:
    result = klip("lint", str(DEFAULT_BPMN))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("OK")


@pytest.mark.parametrize(("anchor", "evil", "element"), MALICIOUS)
def test_lint_rejects_malicious_expressions_naming_the_element(klip, tmp_path, anchor, evil, element) -> None:
    path = poisoned_copy(tmp_path, anchor, evil)
    result = klip("lint", str(path))
    assert result.returncode == 1
    assert f"[{element}]" in result.stdout and f"{path}:" in result.stdout
    assert not Path("/tmp/klip-canary").exists()


@pytest.mark.parametrize(("anchor", "evil", "element"), MALICIOUS[:3])
def test_deploy_rejects_malicious_model_and_stores_nothing(make_ctx, tmp_path, anchor, evil, element) -> None:
    path = poisoned_copy(tmp_path, anchor, evil)
    with pytest.raises(InvalidBpmn) as exc:
        deploy(make_ctx(), "system", path, system=True)
    assert any(element in p for p in exc.value.problems)
    with make_ctx().transaction() as session:
        assert session.scalar(select(func.count(ProcessVersion.id))) == 0


def test_entities_and_doctype_are_refused(klip, tmp_path) -> None:
    path = tmp_path / "xxe.bpmn"
    path.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
    result = klip("lint", str(path))
    assert result.returncode == 1 and "DOCTYPE" in result.stdout and "root:" not in result.stdout


def test_malformed_xml_reports_file_and_line(klip, tmp_path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text('<?xml version="1.0"?>\n'
                    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n'
                    '<bpmn:process id="p">\n'
                    '</bpmn:definitions>\n')
    result = klip("lint", str(path))
    assert result.returncode == 1 and f"{path}:4:20: xml: XML tidak dapat dibaca: malformed XML" in result.stdout


def test_xsd_errors_report_the_line(klip, tmp_path) -> None:
    path = poisoned_copy(tmp_path, SCRIPT, "penyampaian_selesai = now()")
    path.write_text(path.read_text()
                    .replace("<bpmn:userTask id=\"tugaskan_pelaksana\"", "<bpmn:userTsk id=\"tugaskan_pelaksana\"", 1)
                    .replace("</bpmn:userTask>", "</bpmn:userTsk>", 1))
    result = klip("lint", str(path))
    assert result.returncode == 1 and "userTsk" in result.stdout and f"{path}:" in result.stdout


def test_redeploying_identical_content_is_a_no_op(make_ctx) -> None:
    first = deploy(make_ctx(), "system", system=True)
    second = deploy(make_ctx(), "system", system=True)
    assert first.created and not second.created and first.id == second.id


def test_redeploying_an_older_version_makes_it_current_again(make_ctx, tmp_path) -> None:
    from engine.process import current_version

    first = deploy(make_ctx(), "system", system=True)
    changed = poisoned_copy(tmp_path, SCRIPT, "penyampaian_selesai = now()\n")
    second = deploy(make_ctx(), "system", changed, system=True)
    assert second.created and second.id != first.id
    with make_ctx().transaction() as session:
        assert current_version(session, "lip20_0008").id == second.id
    again = deploy(make_ctx(), "system", system=True)
    assert not again.created and again.id == first.id
    with make_ctx().transaction() as session:
        assert current_version(session, "lip20_0008").id == first.id


# ---------------------------------------------------------------- the rules: each with a failing and a passing fixture
LINT_DATA = Path(__file__).resolve().parent / "data" / "lint"


def fixtures(rule: str, outcome: str) -> list[Path]:
    """``<rule>.<outcome>.bpmn`` and variants ``<rule>.<variant>.<outcome>.bpmn``, anywhere under tests/data/lint."""
    return sorted({*LINT_DATA.rglob(f"{rule}.{outcome}.bpmn"), *LINT_DATA.rglob(f"{rule}.*.{outcome}.bpmn")})


@pytest.mark.parametrize("rule", sorted(lint.RULES))
def test_every_rule_has_a_failing_and_a_passing_fixture(rule: str) -> None:
    failing, passing = fixtures(rule, "fail"), fixtures(rule, "pass")
    assert failing and passing, f"rule {rule}: add tests/data/lint/{rule}.fail.bpmn and {rule}.pass.bpmn"
    for path in failing:
        _, problems = load_model_file(path)
        assert rule in {p.rule for p in problems}, (path.name, [str(p) for p in problems])
        assert all(p.rule in lint.RULES for p in problems)
    for path in passing:
        loaded, problems = load_model_file(path)
        assert [str(p) for p in problems] == [] and loaded is not None, path.name


def test_every_fixture_belongs_to_a_rule() -> None:
    names = [p.name for p in LINT_DATA.rglob("*.bpmn")]
    assert names
    assert [n for n in names if n.split(".")[0] not in lint.RULES or n.split(".")[-2] not in ("fail", "pass")] == []


def test_the_readme_lists_every_rule_as_the_registry_does() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert lint.rules_table() in readme, "README's rules table is stale: paste engine.process.lint.rules_table()"


@pytest.mark.parametrize("path", [DEFAULT_BPMN, DEFAULT_BPMN.parent / "penilaian-kualitas-agen.bpmn"], ids=str)
def test_the_projects_models_lint_clean(path: Path) -> None:
    assert [str(p) for p in load_model_file(path)[1]] == []


def test_a_finding_names_file_line_column_rule_element_and_hint(klip) -> None:
    path = LINT_DATA / "lane-role.fail.bpmn"
    result = klip("lint", "--lang", "id", str(path))
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"{path}:9:7: lane-role: lane 'Kepala Seksi Operasinal' tidak dipetakan ke peran mana pun, jadi tidak ada "
        "yang dapat mengerjakan 2 user task di dalamnya [lane] — maksud Anda 'Kepala Seksi Operasional'?")
    assert (path.read_text().splitlines()[8])[6:].startswith("<bpmn:lane id=\"lane\"")  # line 9, column 7


def test_json_output_and_english(klip, monkeypatch) -> None:
    monkeypatch.setenv("KLIP_LANG", "en")
    path = LINT_DATA / "gateway-exit.fail.bpmn"
    result = klip("lint", "--format", "json", str(path), str(LINT_DATA / "gateway-exit.pass.bpmn"))
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)
    assert finding == {
        "file": str(path), "line": finding["line"], "column": 5, "rule": "gateway-exit", "severity": "error",
        "element": "gw", "message": "gateway 'Disetujui?' can leave no way out: all its outgoing flows are "
                                    "conditional and none is the default",
        "hint": "mark one outgoing flow of gateway 'Disetujui?' (gw) as the default, or add a condition"}
    assert path.read_text().splitlines()[finding["line"] - 1].startswith("    <bpmn:exclusiveGateway id=\"gw\"")
    clean = klip("lint", "--format", "json", "--lang", "id", str(LINT_DATA / "gateway-exit.pass.bpmn"))
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])


def test_lint_takes_a_folder_and_warnings_alone_exit_0(klip, monkeypatch) -> None:
    assert klip("lint", str(DEFAULT_BPMN.parent)).stdout.count(": OK") == 2
    import engine.cli

    warning = Problem("m.bpmn", 3, "hanya peringatan", "x", "warning", "diagram", 5)
    monkeypatch.setattr(engine.cli, "load_model_file", lambda path: (None, [warning]))
    result = klip("lint", "m.bpmn")
    assert (result.returncode, result.stdout.strip()) == (0, "m.bpmn:3:5: diagram: warning: hanya peringatan [x]")


def test_deploy_runs_the_lint(make_ctx) -> None:
    with pytest.raises(InvalidBpmn) as exc:
        deploy(make_ctx(), "system", LINT_DATA / "sop-step.fail.bpmn", system=True)
    assert [p for p in exc.value.problems if ": sop-step: " in p and "[perbaiki]" in p]


# ---------------------------------------------------------------- the mistakes of issue 10, on copies of the real model
def edited_model(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    shutil.copytree(DEFAULT_BPMN.parent, tmp_path / "bpmn")
    path = tmp_path / "bpmn" / DEFAULT_BPMN.name
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path, rule: str) -> list[Problem]:
    return [p for p in load_model_file(path)[1] if p.rule == rule]


def test_changing_the_report_deadline_flags_every_text_that_still_says_5_days(tmp_path) -> None:
    path = edited_model(tmp_path, ("add_working_days(penyampaian_selesai, 5)",
                                   "add_working_days(penyampaian_selesai, 3)"))
    flagged = {p.element_id for p in findings(path, "duration")}
    # penyusunan_laporan twice over: its documentation and its Mutu Baku Waktu (the SOP's time for steps 6-8)
    assert flagged == {"tetapkan_batas_laporan", "penyusunan_laporan", "batas_waktu_laporan",
                       "tindak_lanjut_keterlambatan"}
    assert [p.element_id for p in findings(path, "duration")].count("penyusunan_laporan") == 2


def test_a_typod_variable_gets_a_did_you_mean(tmp_path) -> None:
    path = edited_model(tmp_path, ('<spiffworkflow:property name="dueDateVariable" value="rencana_selesai" />',
                                   '<spiffworkflow:property name="dueDateVariable" value="rencana_seleai" />'))
    (problem,) = findings(path, "variable-set")
    assert (problem.element_id, problem.hint) == ("hubungi_wajib_pajak", "maksud Anda 'rencana_selesai'?")


def test_a_variable_set_on_one_path_only_is_flagged_with_its_setter(tmp_path) -> None:
    """The report deadline read by step 5, but the script computing it runs only after step 5."""
    path = edited_model(tmp_path, ('<spiffworkflow:property name="dueDateVariable" value="rencana_selesai" />',
                                   '<spiffworkflow:property name="dueDateVariable" value="batas_laporan" />'))
    (problem,) = findings(path, "variable-set")
    assert problem.element_id == "hubungi_wajib_pajak"
    assert "tetapkan_batas_laporan" in problem.hint and "tidak pada setiap jalur" in problem.hint


def test_a_variable_set_on_one_branch_of_a_gateway_only(tmp_path) -> None:
    """Step 8's form is the only one setting kembalikan_ke; reading it at step 7's gateway is too early even though
    step 8 runs before step 7 again on the way back."""
    path = edited_model(tmp_path, ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == '
                                   '"setuju"</bpmn:conditionExpression>\n      </bpmn:sequenceFlow>\n      <bpmn:'
                                   'sequenceFlow id="flow_laporan_kasi_kembali"',
                                   '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">keputusan == '
                                   '"setuju" and kembalikan_ke != "kasi"</bpmn:conditionExpression>\n      '
                                   '</bpmn:sequenceFlow>\n      <bpmn:sequenceFlow id="flow_laporan_kasi_kembali"'))
    (problem,) = findings(path, "variable-set")
    assert (problem.element_id, "kembalikan_ke" in problem.message) == ("flow_laporan_kasi_setuju", True)


def test_every_action_sets_what_the_registry_says(tmp_path) -> None:
    """``rules.ACTION_SETS``: the keys every return of each action's function gives (what the lint counts as set)."""
    import ast

    import engine.campaign.actions
    import engine.quality.actions
    from engine.tasks import ACTIONS

    returned: dict[str, set[str]] = {}
    for module in (engine.campaign.actions, engine.quality.actions):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                keys = [{k.value for k in r.value.keys if isinstance(k, ast.Constant)}
                        for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Dict)]
                returned[node.name] = set.intersection(*keys) if keys else set()
    assert {name: returned[fn.__name__] for name, fn in ACTIONS.items()} == \
        {name: set(keys) for name, keys in rules.ACTION_SETS.items()}
