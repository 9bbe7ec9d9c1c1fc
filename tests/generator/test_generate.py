"""The synthetic district: what a reader of its inbox must be able to rely on."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from district_generator import generate
from district_generator.cli import main
from district_generator.params import SCALES
from python_calamine import CalamineWorkbook

from pension_audit.ingest.feeds import FEEDS, FEEDS_BY_NAME, ROW_REASONS, LinkBy

SYSTEM = ("roster", "payments", "certifications", "contributions")
FOOTER_PREFIXES = ("制表", "合计")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny")
    truth = generate(out, "tiny", 1)
    return out, truth


def _norm(h: str) -> str:
    return str(h).strip().replace("（", "(").replace("）", ")")


def _blank(row) -> bool:
    return all(str(v).strip() == "" for v in row)


def _read(path: Path, info: dict) -> tuple[list[str], dict[int, list]]:
    """Header and {physical row number: cells} of the data rows, read independently."""
    if info["format"] == "csv":
        text = path.read_bytes().decode(info["encoding"])
        rows = list(csv.reader(io.StringIO(text)))
        return rows[0], {i + 2: r for i, r in enumerate(rows[1:]) if not _blank(r)}
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    header_at = next(i for i, r in enumerate(sheet) if sum(str(v).strip() != "" for v in r) >= 2)
    data = {}
    for i, r in enumerate(sheet[header_at + 1 :], start=header_at + 2):
        if _blank(r):
            continue
        first = next(str(v).strip() for v in r if str(v).strip())
        if first.startswith(FOOTER_PREFIXES):
            continue
        data[i] = r
    return [str(h) for h in sheet[header_at]], data


def _column_index(header: list[str], feed_name: str, column: str) -> int:
    col = FEEDS_BY_NAME[feed_name].column(column)
    wanted = {_norm(h) for h in col.headers}
    return next(i for i, h in enumerate(header) if _norm(h) in wanted)


def test_every_feed_arrives(tiny):
    _, truth = tiny
    assert {f["feed"] for f in truth["files"].values()} == {f.name for f in FEEDS}


def test_truth_is_written_and_every_file_exists(tiny):
    out, truth = tiny
    assert json.loads((out / "truth.json").read_text(encoding="utf-8")) == truth
    assert truth["first_month"] == "2025-01" and truth["last_month"] == "2025-12"
    assert 250 <= truth["people"] <= 350 and 0 < truth["receiving"] < truth["people"]
    for rel, info in truth["files"].items():
        assert (out / "inbox" / rel).is_file(), rel
        feed = FEEDS_BY_NAME[info["feed"]]
        assert rel == f"{feed.name}/{info['period']}.{info['format']}"
        assert len(info["period"]) == (7 if feed.is_monthly else 4)


def test_system_exports_and_township_reports_every_month(tiny):
    """The townships report monthly even with nothing to report (a 零报告, the header alone)."""
    _, truth = tiny
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    reports = [f for f in truth["files"].values() if f["feed"] == "township_reports"]
    assert any(f["data_rows"] == 0 for f in reports) and any(f["data_rows"] for f in reports)
    for feed in (*SYSTEM, "finance_disbursements", "township_reports"):
        assert {f["period"] for f in truth["files"].values() if f["feed"] == feed} == set(months), feed


def test_same_seed_same_bytes(tiny, tmp_path):
    out, truth = tiny
    again = generate(tmp_path, "tiny", 1)
    assert again == truth
    for rel in list(truth["files"])[::7] + [b["path"] for b in truth["broken_files"]]:
        assert (tmp_path / "inbox" / rel).read_bytes() == (out / "inbox" / rel).read_bytes(), rel


def test_encodings_as_declared(tiny):
    out, truth = tiny
    seen = set()
    for rel, info in truth["files"].items():
        raw = (out / "inbox" / rel).read_bytes()
        if info["format"] == "xlsx":
            assert raw[:2] == b"PK"
            continue
        seen.add(info["encoding"])
        text = raw.decode(info["encoding"])
        if info["feed"] in SYSTEM:
            assert info["encoding"] == "gb18030"
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert "个人编号" in text.splitlines()[0] or "个人编码" in text or "人员编号" in text
        if info["encoding"] == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
        elif info["encoding"] == "utf-8":
            assert not raw.startswith(b"\xef\xbb\xbf")
    assert {"gb18030", "utf-8-sig"} <= seen


def test_data_rows_and_quarantined_cells(tiny):
    out, truth = tiny
    for rel, info in truth["files"].items():
        header, data = _read(out / "inbox" / rel, info)
        assert len(data) == info["data_rows"], rel
        rows = [q["row"] for q in info["quarantined"]]
        assert len(rows) == len(set(rows)), rel
        for q in info["quarantined"]:
            assert q["reason"] in ROW_REASONS
            assert q["row"] in data, (rel, q)
            value = data[q["row"]][_column_index(header, info["feed"], q["column"])]
            text = str(value).strip()
            if q["reason"] == "missing_required":
                assert text == "", (rel, q, value)
            elif q["reason"] == "unrecoverable_id":
                assert (isinstance(value, float) and value >= 1e15) or (text.isdigit() and len(text) in (16, 17))
            elif q["reason"] == "period_mismatch":
                assert text.replace("-", "") != info["period"].replace("-", "")
            else:
                assert text != "", (rel, q)
        # never a whole file of bad rows
        assert len(rows) < info["data_rows"] or info["data_rows"] == 0, rel


def test_every_reason_is_planted(tiny):
    _, truth = tiny
    reasons = {q["reason"] for f in truth["files"].values() for q in f["quarantined"]}
    assert reasons == set(ROW_REASONS)


def test_unrecoverable_ids_only_in_department_feeds(tiny):
    _, truth = tiny
    for info in truth["files"].values():
        for q in info["quarantined"]:
            if q["reason"] == "unrecoverable_id":
                assert FEEDS_BY_NAME[info["feed"]].link_by is LinkBy.ID_NUMBER
                assert q["column"] in ("id_number", "certificate_no")
            if q["reason"] == "period_mismatch":
                assert info["feed"] == "payments"


def test_broken_files_are_before_the_window(tiny):
    out, truth = tiny
    reasons = {b["reason"] for b in truth["broken_files"]}
    assert reasons == {"unreadable", "missing_columns", "empty", "bad_name", "duplicate_period"}
    for b in truth["broken_files"]:
        p = out / "inbox" / b["path"]
        assert p.is_file()
        assert b["path"] not in truth["files"]
        stem = p.stem
        if b["reason"] != "bad_name":
            assert stem < truth["first_month"]
    assert (
        out / "inbox" / next(b["path"] for b in truth["broken_files"] if b["reason"] == "empty")
    ).stat().st_size == 0


def test_messiness_is_there(tiny):
    """A few of the oddities docs/feeds.md promises, seen in the files themselves."""
    out, truth = tiny
    xlsx = [r for r, i in truth["files"].items() if i["format"] == "xlsx"]
    titles = footers = blanks = 0
    for rel in xlsx:
        sheet = (
            CalamineWorkbook.from_path(str(out / "inbox" / rel)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        )
        firsts = [str(r[0]).strip() for r in sheet if r]
        titles += any(FEEDS_BY_NAME[truth["files"][rel]["feed"]].title in f for f in firsts[:3])
        footers += any(f.startswith("制表单位") for f in firsts)
        blanks += any(_blank(r) for r in sheet)
    assert titles and footers and blanks
    roster = (out / "inbox" / "roster/2025-06.csv").read_bytes().decode("gb18030")
    assert any(len(line.split(",")[3].strip()) == 15 for line in roster.splitlines()[1:])
    dept_text = "".join(
        str(CalamineWorkbook.from_path(str(out / "inbox" / r)).get_sheet_by_index(0).to_python()) for r in xlsx
    )
    assert any(ch in dept_text for ch in "０１２３４５６７８９")  # full-width digits
    assert any(t in roster + dept_text for t in ("•", "．", "・"))  # middle-dot variants


def test_rows_not_listed_as_quarantined_are_clean(tiny):
    """Required cells filled, codes well formed, vocabularies respected, period kept."""
    out, truth = tiny
    for rel, info in truth["files"].items():
        feed = FEEDS_BY_NAME[info["feed"]]
        header, data = _read(out / "inbox" / rel, info)
        bad = {q["row"] for q in info["quarantined"]}
        issues = {(v["row"], v["column"]) for v in info["value_issues"]}
        idx = {c.name: _column_index(header, feed.name, c.name) for c in feed.columns}
        for row_no, row in data.items():
            if row_no in bad:
                continue
            for col in feed.columns:
                if (row_no, col.name) in issues:
                    continue
                v = row[idx[col.name]]
                text = str(v).strip()
                if col.required:
                    assert text, (rel, row_no, col.name)
                if col.kind.value == "enum" and text:
                    allowed = {_norm(x) for x in (*col.vocabulary, *col.aliases)}
                    assert _norm(text) in allowed, (rel, row_no, col.name, text)
                if col.kind.value == "person_no":
                    assert text.isdigit() and len(text) == 10, (rel, row_no, text)
                if col.kind.value == "township" and text:
                    assert text.isdigit() and len(text) == 9, (rel, row_no, text)
            if feed.period_column:
                assert str(row[idx[feed.period_column]]).replace("-", "") == info["period"].replace("-", "")


def test_the_command_writes_a_district(tmp_path):
    result = CliRunner().invoke(main, ["--out", str(tmp_path), "--scale", "tiny", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已生成 tiny 规模模拟区县：")
    assert (tmp_path / "truth.json").is_file()


def test_the_command_refuses_an_unknown_scale(tmp_path):
    result = CliRunner().invoke(main, ["--out", str(tmp_path), "--scale", "county"])
    assert result.exit_code == 2 and "county" in result.output


def test_the_province_scale_is_about_a_million_receiving():
    assert SCALES["province"].people // 3 >= 1_000_000 - 1


def test_value_issues_are_planted_in_columns_no_rule_reads(tiny):
    """A bad cell drawn in a column no rule reads is written into a real row (which loads);
    only columns that decide something get quarantined copies."""
    _, truth = tiny
    issues = [(info["feed"], v) for info in truth["files"].values() for v in info["value_issues"]]
    assert issues
    for feed, v in issues:
        assert not FEEDS_BY_NAME[feed].column(v["column"]).quarantines, (feed, v)
    for info in truth["files"].values():
        for q in info["quarantined"]:
            assert FEEDS_BY_NAME[info["feed"]].column(q["column"]).quarantines, (info["feed"], q)


def test_drifts_are_planted_where_truth_says_and_nowhere_else(tmp_path, tiny):
    from district_generator import DRIFTS

    clean_out, clean = tiny
    truth = generate(tmp_path, "tiny", 1, DRIFTS)
    drifts = {d["drift"]: d for d in truth["drifts"]}
    assert set(drifts) == set(DRIFTS)
    cut = drifts["truncated-file"]
    assert truth["files"][cut["path"]]["data_rows"] < clean["files"][cut["path"]]["data_rows"] * 0.2
    for name in ("missing-month", "missing-report"):
        missing = drifts[name]
        assert not list((tmp_path / "inbox" / missing["feed"]).glob(f"{missing['period']}.*"))
        assert list((clean_out / "inbox" / missing["feed"]).glob(f"{missing['period']}.*")), "the clean one has it"
    renamed = drifts["renamed-column"]
    header, _ = _read(tmp_path / "inbox" / renamed["path"], truth["files"][renamed["path"]])
    assert "险种类别" in [_norm(h) for h in header] and "险种" not in [_norm(h) for h in header]
    for path in drifts["optional-column-form"]["files"]:
        labels = [v for v in truth["files"][path]["value_issues"] if v["column"] == "tier"]
        assert labels, path
    # every file no drift touched is byte for byte the file of the district without drifts
    touched = {cut["path"], renamed["path"], *drifts["optional-column-form"]["files"]}
    for path in clean["files"]:
        if path not in touched and (tmp_path / "inbox" / path).exists():
            assert (tmp_path / "inbox" / path).read_bytes() == (clean_out / "inbox" / path).read_bytes(), path


def test_the_command_plants_several_drifts_at_once(tmp_path):
    result = CliRunner().invoke(
        main, ["--out", str(tmp_path), "--scale", "tiny", "--drift", "missing-month", "--drift", "truncated-file"]
    )
    assert result.exit_code == 0, result.output
    assert "植入漂移 missing-month" in result.output and "植入漂移 truncated-file" in result.output
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert {d["drift"] for d in truth["drifts"]} == {"missing-month", "truncated-file"}
    refused = CliRunner().invoke(main, ["--out", str(tmp_path), "--drift", "flood"])
    assert refused.exit_code == 2
