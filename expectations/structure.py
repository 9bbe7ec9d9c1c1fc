"""The STRUCTURAL checks of a feed's suite, computed in DuckDB where the loaded rows are.

They decide whether a period loads downstream (dbt leaves out a period with a failed one), so
they run inside the loader's transaction-free follow-up on the feed's table, in one query per
feed run, with nothing copied out of DuckDB. Each result is the `ExpectationResult` Great
Expectations gives for the same check over the same rows (tests/expectations/test_structure.py
compares them): the same check keys, counts, percentages and first `_row`s.

The WARN checks (plausibility, check digits, row counts against history) stay with Great
Expectations (`suites.validate_periods(..., severities=(WARN,))`); `combine` puts both halves
back into one `ValidationOutcome` per period, in suite order.
"""

from __future__ import annotations

import re

import duckdb

from expectations.suites import (
    MAX_UNEXPECTED_ROWS,
    ROW_KEY,
    STRUCTURAL,
    ExpectationResult,
    ValidationOutcome,
    checks,
)
from pension_audit.ingest.feeds import Feed


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _snake(expectation: str) -> str:
    """GX's type name of an expectation class (ExpectColumnValuesToNotBeNull ->
    expect_column_values_to_not_be_null)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", expectation).lower()


def _period_start() -> str:
    return "TRY_CAST(CASE WHEN length(_period) = 7 THEN _period || '-01' ELSE _period || '-01-01' END AS DATE)"


def _row_check_sql(expectation: str, kwargs: dict, inputs: tuple[str, ...]) -> tuple[str, str, bool]:
    """(value present, value unexpected, nulls count) of a row check, as DuckDB conditions over
    one row: the rows GX judges and the ones it lists as unexpected."""
    column = kwargs["column"]
    if expectation == "ExpectColumnValuesToNotBeNull":
        c = _quote(column)
        return "true", f"{c} IS NULL", True
    if expectation == "ExpectColumnValuesToBeUnique":  # the `_row` within its period
        return f"{_quote(ROW_KEY)} IS NOT NULL", f"{_quote(ROW_KEY)} IS NOT NULL AND __duplicates > 1", False
    if expectation == "ExpectColumnValuesToBeInSet" and inputs:  # a period column against `_period`
        value = _quote(inputs[0])
        judged = f"{value} IS NOT NULL AND _period IS NOT NULL"
        return judged, f"{judged} AND coalesce({value} <> {_period_start()}, true)", False
    c = _quote(column)
    if expectation == "ExpectColumnValuesToBeInSet":
        values = ", ".join(_lit(str(v)) for v in kwargs["value_set"])
        return f"{c} IS NOT NULL", f"{c} IS NOT NULL AND {c} NOT IN ({values})", False
    if expectation == "ExpectColumnValuesToMatchRegex":
        return f"{c} IS NOT NULL", f"{c} IS NOT NULL AND NOT regexp_matches({c}, {_lit(kwargs['regex'])})", False
    raise ValueError(f"no DuckDB form for the structural check {expectation}")  # pragma: no cover


def structural_results(
    con: duckdb.DuckDBPyConnection, feed: Feed, periods: list[str]
) -> dict[str, list[ExpectationResult]]:
    """Every STRUCTURAL check of the feed's suite over the rows of `periods` in its table, per
    period (a period without rows passes every row check, as in GX)."""
    schema, table = feed.table.split(".")
    present = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }
    structural = [c for c in checks(feed) if c.severity == STRUCTURAL and not c.per_period]
    row_checks = [c for c in structural if "column" in c.kwargs]
    aggregates, runnable = ["count(*) AS __rows"], []
    for i, check in enumerate(row_checks):
        needed = list(check.inputs) if check.inputs else [check.kwargs["column"]]
        needed = [ROW_KEY if n == "__row_in_partition" else n for n in needed]
        if any(n not in present for n in needed) or ROW_KEY not in present:
            continue
        valued, unexpected, _ = _row_check_sql(check.expectation, check.kwargs, check.inputs)
        key = _quote(ROW_KEY)
        first_rows = f"list({key} ORDER BY {key}) FILTER (WHERE {unexpected} AND {key} IS NOT NULL)"
        aggregates += [
            f"count(*) FILTER (WHERE {unexpected}) AS u{i}",
            f"count(*) FILTER (WHERE {valued}) AS b{i}",
            f"({first_rows})[1:{MAX_UNEXPECTED_ROWS}] AS r{i}",
        ]
        runnable.append(i)
    duplicates = (
        f", count(*) OVER (PARTITION BY _period, {_quote(ROW_KEY)}) AS __duplicates" if ROW_KEY in present else ""
    )
    found = {
        row[0]: row[1:]
        for row in con.execute(
            f"SELECT _period, {', '.join(aggregates)} FROM "
            f"(SELECT *{duplicates} FROM {feed.table} WHERE _period IN (SELECT unnest(?))) GROUP BY _period",
            [periods],
        ).fetchall()
    }
    results: dict[str, list[ExpectationResult]] = {}
    for period in periods:
        row = found.get(period)
        total = row[0] if row else 0
        figures = {i: row[1 + 3 * n : 4 + 3 * n] for n, i in enumerate(runnable)} if row else {}
        results[period] = [
            _result(check, figures.get(row_checks.index(check)) if check in row_checks else None, total, present)
            for check in structural
        ]
    return results


def _result(check, figures, total: int, present: set[str]) -> ExpectationResult:
    """One check's result for one period: `figures` (unexpected, judged, first rows) for a row
    check that ran, None for the table check or one whose columns are missing."""
    base = {
        "check": check.key,
        "expectation": _snake(check.expectation),
        "column": check.column,
        "severity": check.severity,
        "description": check.description,
    }
    if "column" not in check.kwargs:  # the column set, the same for every period
        missing = sorted(c for c in check.kwargs["column_set"] if c not in present)
        return ExpectationResult(
            **base,
            success=not missing,
            unexpected_count=None,
            unexpected_percent=None,
            unexpected_rows=[],
            **({"description": check.description + ";缺少:" + "、".join(missing)} if missing else {}),
            observed=missing or None,
        )
    needed = [n for n in (check.inputs or (check.kwargs["column"],)) if n not in present]
    if needed or (figures is None and total):
        return ExpectationResult(
            **base,
            success=False,
            unexpected_count=None,
            unexpected_percent=None,
            unexpected_rows=[],
            error="缺少列:" + "、".join(needed or [ROW_KEY]),
        )
    unexpected, judged, rows = figures if figures is not None else (0, 0, [])
    nulls_count = check.expectation == "ExpectColumnValuesToNotBeNull"
    denominator = total if nulls_count else judged
    if total == 0 or denominator == 0:
        success, percent = True, None
    else:
        success = (denominator - unexpected) / denominator >= float(check.kwargs.get("mostly", 1.0))
        percent = round(unexpected / denominator * 100, 4)
    return ExpectationResult(
        **base,
        success=success,
        unexpected_count=int(unexpected),
        unexpected_percent=percent,
        unexpected_rows=[int(r) for r in rows or []],
    )


def combine(
    feed: Feed, structural: dict[str, list[ExpectationResult]], quality: dict[str, ValidationOutcome]
) -> dict[str, ValidationOutcome]:
    """The STRUCTURAL results from DuckDB and the WARN ones from GX as one outcome per period,
    its results in suite order (what a run of the whole suite gives)."""
    order = {c.key: i for i, c in enumerate(checks(feed))}
    outcomes = {}
    for period, found in structural.items():
        warned = quality.get(period)
        results = sorted([*found, *(warned.results if warned else [])], key=lambda r: order.get(r.check, len(order)))
        passed = all(r.success for r in results if r.severity == STRUCTURAL)
        outcomes[period] = ValidationOutcome(
            feed=feed.name,
            row_count=warned.row_count if warned else 0,
            success_structural=passed,
            success_all=passed and all(r.success for r in results),
            results=results,
        )
    return outcomes
