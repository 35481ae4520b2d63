"""Credit reports (信用报告): the PDF a regulator downloads, and the page its QR code opens."""

from __future__ import annotations

import hashlib
import io

import pypdf
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.workflows.chain import verify_chain
from credit_scoring.workflows.database import AuditEntry


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Every font the PDF uses, with whether its program is embedded in the file."""
    found = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font["/BaseFont"])] = embedded
    return sorted(found.items())


@pytest.fixture(scope="module")
def official(service, samples):
    uscc = samples.black_listed[0]
    response = service.get(f"/v1/subjects/{uscc}/report.pdf", "regulator")
    assert response.status_code == 200, response.text
    return uscc, response


def test_the_official_report_names_the_subject_its_grade_and_the_records_behind_it(
    service, official
):
    uscc, response = official
    assert response.headers["content-type"] == "application/pdf"
    text = _text(response.content)
    explanation = service.get(f"/v1/subjects/{uscc}/explanation", "reviewer").json()
    cited = {i for reason in explanation["reasons"] for i in reason["record_ids"]}
    assert cited and explanation["grade"] == "D"
    assert uscc in text and "D 类" in text and "信用风险高" in text
    assert all(record_id in text for record_id in cited)
    assert response.headers["X-Report-No"] in text and "宁波" not in service.settings.report_office
    assert service.settings.report_office in text
    for section in ("行政许可", "行政处罚", "信用名单", "信用承诺及履行", "检查结果", "属实投诉",
                    "异议与信用修复"):  # fmt: skip
        assert section in text
    fonts = _fonts(response.content)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("UMing" in name or "Zen-Hei" in name for name, _ in fonts)


def test_the_qr_page_confirms_a_genuine_report_and_refuses_an_altered_or_unknown_one(
    service, official
):
    _, response = official
    number = response.headers["X-Report-No"]
    genuine = hashlib.sha256(response.content).hexdigest()
    altered = hashlib.sha256(response.content + b"%").hexdigest()
    plain = service.get(f"/public/reports/{number}")
    same = service.get(f"/public/reports/{number}", params={"sha256": genuine})
    changed = service.get(f"/public/reports/{number}", params={"sha256": altered})
    unknown = service.get("/public/reports/XY20261009-00000000")
    assert plain.status_code == 200 and plain.json()["sha256"] == genuine
    assert plain.json()["matches"] is None and plain.json()["valid_today"]
    assert same.json()["matches"] is True and changed.json()["matches"] is False
    assert unknown.status_code == 404
    assert service.get("/public/reports/not-a-number").status_code == 422


def test_the_public_report_masks_personal_data_and_withholds_the_grade(service, samples):
    uscc, name, resident_id = samples.person_led
    public = service.get(f"/v1/subjects/{uscc}/report.pdf", "reviewer",
                         params={"audience": "public"})  # fmt: skip
    official = service.get(f"/v1/subjects/{uscc}/report.pdf", "reviewer")
    public_text, official_text = _text(public.content), _text(official.content)
    assert name in official_text and resident_id in official_text
    assert name not in public_text and resident_id not in public_text
    assert "不对外公开" in public_text and "信用风险分类为" not in public_text
    assert "公开版" in public_text and "政务版" in official_text


def test_only_regulators_and_reviewers_issue_reports(service, samples):
    uscc = samples.penalised[0]
    for role in (None, "public", "analyst"):
        assert service.get(f"/v1/subjects/{uscc}/report.pdf", role).status_code in (401, 403)
    unknown = service.get("/v1/subjects/91330100MA27XK6H3Y/report.pdf", "regulator")
    before = service.get(f"/v1/subjects/{uscc}/report.pdf", "regulator",
                         params={"as_of": "2026-01-01"})  # fmt: skip
    assert unknown.status_code == 404 and before.status_code == 422
    assert "before the grade being served" in before.text


def test_the_command_line_issues_html_and_verifies_the_file(service, samples, tmp_path):
    settings = service.settings
    env = {"CREDIT_SCORING_DB_PATH": str(settings.db_path),
           "CREDIT_SCORING_SNAPSHOT_DIR": str(settings.snapshot_dir),
           "CREDIT_SCORING_WORKFLOW_DB_URL": settings.workflow_db_url,
           "CREDIT_SCORING_VERIFY_SNAPSHOTS": "true"}  # fmt: skip
    runner, out = CliRunner(), tmp_path / "report.html"
    uscc = samples.black_listed[0]
    issued = runner.invoke(app, ["report", "subject", uscc, "--out", str(out), "--as-of",
                                 "2026-10-09", "--json"], env=env)  # fmt: skip
    assert issued.exit_code == 0, issued.output
    html = out.read_text()
    assert html.startswith("<!doctype html>") and uscc in html and 'lang="zh-CN"' in html
    genuine = runner.invoke(app, ["report", "verify", str(out)], env=env)
    out.write_text(html.replace("D</span>", "A</span>"))
    forged = runner.invoke(app, ["report", "verify", str(out)], env=env)
    wrong = runner.invoke(app, ["report", "subject", uscc, "--out", str(tmp_path / "r.docx")],
                          env=env)  # fmt: skip
    assert genuine.exit_code == 0 and "Genuine" in genuine.output
    assert forged.exit_code == 1 and "altered" in forged.output
    assert wrong.exit_code == 1 and ".pdf or .html" in wrong.output


def test_an_issued_report_is_registered_with_the_audit_entry_that_hashes_it(service, official):
    _, response = official
    number = response.headers["X-Report-No"]
    engine = service.client.app.state.services.engine
    query = select(AuditEntry.action, AuditEntry.state_sha256).where(AuditEntry.target == number)
    with engine.connect() as connection:
        [(action, state)] = connection.execute(query).all()
    assert action == "report_issued" and state is not None
    assert verify_chain(engine).ok  # every row the service wrote so far, the report's too
