"""The findings the models produce are exactly the findings the district holds.

The generator plants every finding type (and look-alikes that must not become findings)
and writes, in truth.json, the findings an audit must report, computed from its own life
model, independently of the SQL. The district is loaded by `pension-audit run`; the test
then compares marts.findings with the truth as multisets: recall 1.0, precision 1.0,
amounts to the fen.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from district_generator.expected import FIELDS, FINDING_TYPES


def _warehouse_findings(home: Path) -> list[dict]:
    """marts.findings as export rows (`pension-audit run` built them)."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(f"select {', '.join(FIELDS)} from marts.findings").fetchall()
    finally:
        con.close()
    return [_export(dict(zip(FIELDS, r))) for r in rows]


def _export(f: dict) -> dict:
    """One finding as the export writes it (empty for NULL, amounts with two decimals)."""
    out = {k: ("" if v is None else v) for k, v in f.items()}
    out["improper_months"] = int(f["improper_months"] or 0)
    out["overpaid_amount"] = f"{Decimal(f['overpaid_amount'] or 0):.2f}"
    return {k: (v if k == "improper_months" else str(v)) for k, v in out.items()}


def _key(f: dict) -> tuple:
    return tuple(f[k] for k in FIELDS)


def _diff(expected: list[dict], actual: list[dict]) -> str:
    exp, act = Counter(map(_key, expected)), Counter(map(_key, actual))
    missing, extra = exp - act, act - exp
    lines = [f"expected {len(expected)}, found {len(actual)}"]
    # pair a missing and an extra finding of the same type and person: a figure differs
    for m in sorted(missing.elements()):
        near = next((e for e in extra.elements() if e[:2] == m[:2]), None)
        if near:
            extra[near] -= 1
            fields = [f"{k}: expected {a!r}, found {b!r}" for k, a, b in zip(FIELDS, m, near) if a != b]
            lines.append(f"  DIFFERS  {m[0]} {m[1] or '-'}: " + "; ".join(fields))
        else:
            lines.append(f"  MISSING  {' | '.join(map(str, m))}")
    for e in sorted((+extra).elements()):
        lines.append(f"  EXTRA    {' | '.join(map(str, e))}")
    return "\n".join(lines)


def _compare(district) -> None:
    expected = district.truth["findings"]
    actual = _warehouse_findings(district.home)
    exp, act = Counter(map(_key, expected)), Counter(map(_key, actual))
    hit = sum((exp & act).values())
    recall = hit / max(1, sum(exp.values()))
    precision = hit / max(1, sum(act.values()))
    assert (recall, precision) == (1.0, 1.0), f"recall {recall:.3f}, precision {precision:.3f}\n" + _diff(
        expected, actual
    )
    for la in district.truth["look_alikes"]:
        hits = [f for f in actual if f["exception_type"] == la["exception_type"] and f["id_number"] == la["id_number"]]
        assert not hits, (la, hits)


def _planted_everywhere(truth: dict) -> None:
    by_type = Counter(f["exception_type"] for f in truth["findings"])
    assert set(by_type) == set(FINDING_TYPES), set(FINDING_TYPES) - set(by_type)
    thin = {t: n for t, n in by_type.items() if n < 2}
    assert not thin, thin
    kinds = {la["kind"] for la in truth["look_alikes"]}
    assert {
        "acquittal_on_appeal",
        "failed_after_death",
        "duplicate_clawed_back",
        "subsidy_on_list",
        "receipt_in_next_but_one_month",
        "township_other_pension_report",
        "police_stand_in",
        "suspended_sentence",
        "control",
        "outside_execution",
        "community_correction",
        "acquittal",
        "released_before_payments",
    } <= kinds
    # the look-alikes are not expected either
    expected = {(f["exception_type"], f["id_number"]) for f in truth["findings"]}
    for la in truth["look_alikes"]:
        assert (la["exception_type"], la["id_number"]) not in expected, la
    # the awkward variants are there
    fuzzy = {f["exception_type"] for f in truth["findings"] if f["identity"] == "fuzzy"}
    assert {"death", "duplicate_enrollment"} <= fuzzy
    assert any(f["exception_type"] == "contribution_unmatched" and not f["township_code"] for f in truth["findings"])


def test_every_type_is_planted_tiny(tiny_district):
    _planted_everywhere(tiny_district.truth)


def test_findings_match_truth_tiny(tiny_district):
    _compare(tiny_district)


@pytest.mark.slow
def test_every_type_is_planted_small(small_district):
    _planted_everywhere(small_district.truth)


@pytest.mark.slow
def test_findings_match_truth_small(small_district):
    _compare(small_district)
