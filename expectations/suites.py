"""Great Expectations suites for the seventeen feeds, derived from `pension_audit.feeds`.

One suite per feed, generated from its declaration only (no per-feed lists here): adding a
column or a feed in `feeds.py` changes the suite with it. Every expectation carries
`meta["severity"]`:

- ``"structural"``: the partition is unusable downstream when it fails (columns missing,
  required values empty, values outside a closed vocabulary, duplicate file rows, lineage
  that does not identify the partition);
- ``"warn"``: reported, never blocking (ID check digits, implausible dates and amounts,
  malformed codes, a row count collapsing against the previous period).

Ingestion already quarantined unreadable rows, so structural failures mean the loader has a
bug; the suite is the second, independent line of defence plus the statistical checks.

API::

    build_suite(feed) -> gx.ExpectationSuite
    validate(feed, df, previous_row_count=None) -> ValidationOutcome
    suite_as_json(feed) -> dict
    describe_suites() -> list[dict]

GX is imported lazily (3-5 s) and one ephemeral context, with one suite / batch definition /
validation definition per feed, is cached per process. Nothing is written to disk.
The outcome holds only row numbers (`_row`), counts, column names and declared vocabulary
values, never a person's name or ID number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pension_audit.feeds import FEEDS, RESIDENT_DOC_TYPES, Cadence, Column, Feed, Kind

if TYPE_CHECKING:  # pragma: no cover
    import great_expectations as gx
    import pandas as pd

__all__ = [
    "LINEAGE_COLUMNS",
    "STRUCTURAL",
    "WARN",
    "ExpectationResult",
    "ValidationOutcome",
    "build_suite",
    "describe_suites",
    "suite_as_json",
    "validate",
]

STRUCTURAL = "structural"
WARN = "warn"

LINEAGE_COLUMNS: tuple[str, ...] = ("_feed", "_period", "_file_hash", "_row", "_loaded_at")
ROW_KEY = "_row"

# Plausibility bands (warn).
DATE_MIN = dt.datetime(1900, 1, 1)  # births included
DATE_MAX = dt.datetime(2100, 12, 31)
EVENT_MONTH_MIN = dt.datetime(2000, 1, 1)  # months and years of events
EVENT_MONTH_MAX = dt.datetime(2100, 12, 1)
EVENT_YEAR_MIN = 2000
EVENT_YEAR_MAX = 2100
AMOUNT_MIN = -100_000.0
AMOUNT_MAX = 1_000_000.0
ID_VALID_MOSTLY = 0.95
ROW_COUNT_FLOOR = 0.5  # of the previous period's count
MAX_UNEXPECTED_ROWS = 20

_ID_KINDS = (Kind.ID, Kind.DOC_ID, Kind.DISABILITY_CERT)
_CODE_PATTERNS = {Kind.PERSON_NO: (r"^\d{10}$", "10位数字"), Kind.TOWNSHIP: (r"^\d{9}$", "9位数字")}
_PERIOD_PATTERNS = {
    Cadence.MONTHLY: (r"^\d{4}-(?:0[1-9]|1[0-2])$", "YYYY-MM"),
    Cadence.ANNUAL: (r"^\d{4}$", "YYYY"),
}
_ROW_COUNT_PARAM = "min_row_count"
_PERIOD_MONTHS_PARAM = "period_months"


# --- the checks, as plain data (no GX needed) -------------------------------------------


@dataclass(frozen=True)
class _Check:
    key: str  # unique within a suite; ties a GX result back to its check
    expectation: str  # GX class name
    kwargs: dict[str, Any]
    severity: str
    description: str  # Chinese, for data engineers
    column: str | None = None
    # row condition as plain data: (("is_null", col) | ("in", col, values)), OR-ed together
    condition: tuple[tuple[Any, ...], ...] = ()


def _label(col: Column) -> str:
    return f"「{col.header}」"


def _vocab_text(values: tuple[str, ...]) -> str:
    return "、".join(values)


def _doc_type_column(feed: Feed) -> Column | None:
    """The ENUM column that says which document a DOC_ID column holds (its vocabulary
    contains the resident document types)."""
    for col in feed.columns:
        if col.kind is Kind.ENUM and set(RESIDENT_DOC_TYPES) <= set(col.vocabulary):
            return col
    return None


def _checks(feed: Feed) -> list[_Check]:
    checks: list[_Check] = []
    canonical = [c.name for c in feed.columns]

    # structural: the table's shape and lineage -------------------------------------------
    checks.append(
        _Check(
            "columns",
            "ExpectTableColumnsToMatchSet",
            {"column_set": [*LINEAGE_COLUMNS, *canonical], "exact_match": False},
            STRUCTURAL,
            "须包含全部规范列及血缘列(" + "、".join([*LINEAGE_COLUMNS, *canonical]) + ")",
        )
    )
    checks.append(
        _Check(
            f"not_null:{ROW_KEY}",
            "ExpectColumnValuesToNotBeNull",
            {"column": ROW_KEY},
            STRUCTURAL,
            "血缘列 _row(文件行号)不得为空",
            ROW_KEY,
        )
    )
    checks.append(
        _Check(
            f"unique:{ROW_KEY}",
            "ExpectColumnValuesToBeUnique",
            {"column": ROW_KEY},
            STRUCTURAL,
            "血缘列 _row(文件行号)不得重复",
            ROW_KEY,
        )
    )
    checks.append(
        _Check(
            "lineage:_feed",
            "ExpectColumnValuesToBeInSet",
            {"column": "_feed", "value_set": [feed.name]},
            STRUCTURAL,
            f"血缘列 _feed 须为「{feed.name}」",
            "_feed",
        )
    )
    pattern, shape = _PERIOD_PATTERNS[feed.cadence]
    checks.append(
        _Check(
            "lineage:_period",
            "ExpectColumnValuesToMatchRegex",
            {"column": "_period", "regex": pattern},
            STRUCTURAL,
            f"血缘列 _period 须为 {shape} 格式",
            "_period",
        )
    )

    # structural: required values present, closed vocabularies hold ------------------------
    for col in feed.columns:
        if col.required:
            checks.append(
                _Check(
                    f"not_null:{col.name}",
                    "ExpectColumnValuesToNotBeNull",
                    {"column": col.name},
                    STRUCTURAL,
                    f"必填列{_label(col)}不得为空",
                    col.name,
                )
            )
    for col in feed.columns:
        if col.kind is Kind.ENUM and col.vocabulary:
            checks.append(
                _Check(
                    f"in_set:{col.name}",
                    "ExpectColumnValuesToBeInSet",
                    {"column": col.name, "value_set": list(col.vocabulary)},
                    STRUCTURAL,
                    f"{_label(col)}取值须为:{_vocab_text(col.vocabulary)}",
                    col.name,
                )
            )
    if feed.period_column:
        col = feed.column(feed.period_column)
        checks.append(
            _Check(
                f"period:{col.name}",
                "ExpectColumnValuesToBeInSet",
                {"column": col.name, "value_set": {"$PARAMETER": _PERIOD_MONTHS_PARAM}},
                STRUCTURAL,
                f"{_label(col)}须与文件期间(_period)一致",
                col.name,
            )
        )

    # warn: IDs valid after normalisation -----------------------------------------------
    doc_type = _doc_type_column(feed)
    for col in feed.columns:
        if col.kind not in _ID_KINDS:
            continue
        condition: tuple[tuple[Any, ...], ...] = ()
        scope = ""
        if col.kind is Kind.DOC_ID and doc_type is not None:
            condition = (("is_null", doc_type.name), ("in", doc_type.name, RESIDENT_DOC_TYPES))
            scope = f",仅计{_label(doc_type)}为{_vocab_text(RESIDENT_DOC_TYPES)}的行"
        elif not col.required:
            condition = (("not_null", f"{col.name}_raw"),)
            scope = ",仅计有值的行"
        if col.kind is Kind.DISABILITY_CERT:
            checks.append(
                _Check(
                    f"id_valid:{col.name}",
                    "ExpectColumnValuesToBeInSet",
                    {"column": f"{col.name}_valid", "value_set": [True], "mostly": ID_VALID_MOSTLY},
                    WARN,
                    f"{_label(col)}须格式有效(至少{ID_VALID_MOSTLY:.0%}{scope})",
                    f"{col.name}_valid",
                    condition,
                )
            )
            checks.append(
                _Check(
                    "id_valid:id_number",
                    "ExpectColumnValuesToBeInSet",
                    {"column": "id_number_valid", "value_set": [True], "mostly": ID_VALID_MOSTLY},
                    WARN,
                    f"{_label(col)}前18位须为校验位正确的居民身份证号(至少{ID_VALID_MOSTLY:.0%}{scope})",
                    "id_number_valid",
                    condition,
                )
            )
        else:
            checks.append(
                _Check(
                    f"id_valid:{col.name}",
                    "ExpectColumnValuesToBeInSet",
                    {"column": f"{col.name}_valid", "value_set": [True], "mostly": ID_VALID_MOSTLY},
                    WARN,
                    f"{_label(col)}须为校验位正确的18位居民身份证号(至少{ID_VALID_MOSTLY:.0%}{scope})",
                    f"{col.name}_valid",
                    condition,
                )
            )

    # warn: codes, dates, months, years and amounts plausible ---------------------------
    for col in feed.columns:
        if col.kind in _CODE_PATTERNS:
            regex, text = _CODE_PATTERNS[col.kind]
            checks.append(
                _Check(
                    f"code:{col.name}",
                    "ExpectColumnValuesToMatchRegex",
                    {"column": col.name, "regex": regex},
                    WARN,
                    f"{_label(col)}须为{text}",
                    col.name,
                )
            )
        elif col.kind is Kind.DATE:
            checks.append(
                _Check(
                    f"range:{col.name}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": col.name, "min_value": DATE_MIN, "max_value": DATE_MAX},
                    WARN,
                    f"{_label(col)}须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间",
                    col.name,
                )
            )
        elif col.kind is Kind.MONTH:
            checks.append(
                _Check(
                    f"range:{col.name}",
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": col.name,
                        "min_value": EVENT_MONTH_MIN,
                        "max_value": EVENT_MONTH_MAX,
                    },
                    WARN,
                    f"{_label(col)}须在 {EVENT_MONTH_MIN:%Y-%m} 至 {EVENT_MONTH_MAX:%Y-%m} 之间",
                    col.name,
                )
            )
        elif col.kind is Kind.YEAR:
            checks.append(
                _Check(
                    f"range:{col.name}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": col.name, "min_value": EVENT_YEAR_MIN, "max_value": EVENT_YEAR_MAX},
                    WARN,
                    f"{_label(col)}须在 {EVENT_YEAR_MIN} 至 {EVENT_YEAR_MAX} 之间",
                    col.name,
                )
            )
        elif col.kind is Kind.AMOUNT:
            checks.append(
                _Check(
                    f"range:{col.name}",
                    "ExpectColumnValuesToBeBetween",
                    {"column": col.name, "min_value": AMOUNT_MIN, "max_value": AMOUNT_MAX},
                    WARN,
                    f"{_label(col)}须在 {AMOUNT_MIN:,.0f} 至 {AMOUNT_MAX:,.0f} 元之间",
                    col.name,
                )
            )

    # warn: row count not collapsing (threshold supplied per run) ------------------------
    checks.append(
        _Check(
            "row_count",
            "ExpectTableRowCountToBeBetween",
            {"min_value": {"$PARAMETER": _ROW_COUNT_PARAM}},
            WARN,
            f"行数不得少于上期的{ROW_COUNT_FLOOR:.0%}",
        )
    )
    return checks


# --- GX objects -------------------------------------------------------------------------


def _condition(spec: tuple[tuple[Any, ...], ...]) -> Any:
    if not spec:
        return None
    from great_expectations.expectations.row_conditions import Column as C

    parts = []
    for item in spec:
        if item[0] == "is_null":
            parts.append(C(item[1]).is_null())
        elif item[0] == "not_null":
            parts.append(C(item[1]).is_not_null())
        elif item[0] == "in":
            parts.append(C(item[1]).is_in(list(item[2])))
        else:  # pragma: no cover
            raise ValueError(item)
    cond = parts[0]
    for part in parts[1:]:
        cond = cond | part
    return cond


def _suite(feed: Feed, name: str) -> gx.ExpectationSuite:
    import great_expectations as gx
    from great_expectations.expectations.metadata_types import FailureSeverity

    suite = gx.ExpectationSuite(name=name, meta={"feed": feed.name, "title": feed.title})
    for check in _checks(feed):
        kwargs = dict(check.kwargs)
        condition = _condition(check.condition)
        if condition is not None:
            kwargs["row_condition"] = condition
        expectation = getattr(gx.expectations, check.expectation)(
            **kwargs,
            description=check.description,
            severity=FailureSeverity.CRITICAL
            if check.severity == STRUCTURAL
            else FailureSeverity.WARNING,
            meta={"severity": check.severity, "check": check.key},
        )
        suite.add_expectation(expectation)
    return suite


def build_suite(feed: Feed) -> gx.ExpectationSuite:
    """The feed's suite, derived from its declaration only (a fresh, unsaved object)."""
    with _active():
        return _suite(feed, f"pension_audit.{feed.name}")


def suite_as_json(feed: Feed) -> dict:
    """The suite as GX serialises it (`to_json_dict`), for documentation."""
    return build_suite(feed).to_json_dict()


def describe_suites(feeds: tuple[Feed, ...] = FEEDS) -> list[dict]:
    """One row per expectation of every feed: feed, expectation, column, severity,
    description. Needs no GX import."""
    rows = []
    for feed in feeds:
        for check in _checks(feed):
            rows.append(
                {
                    "feed": feed.name,
                    "expectation": re.sub(r"(?<!^)(?=[A-Z])", "_", check.expectation).lower(),
                    "column": check.column,
                    "severity": check.severity,
                    "description": check.description,
                }
            )
    return rows


@dataclass
class _Runner:
    validation: Any  # gx.ValidationDefinition
    checks: dict[str, _Check]


_LOCK = threading.RLock()


@cache
def _context() -> tuple[Any, Any]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # no usage statistics from a platform holding personal data; no progress bars on stderr
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="pension_audit_frames")
    return context, source


@contextmanager
def _active() -> Iterator[tuple[Any, Any]]:
    """Our ephemeral context as GX's current project for the duration (GX 1.x resolves
    suites and stores through a process-global "current project"); whatever context the
    caller had made current is restored afterwards."""
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.exceptions import DataContextRequiredError

    with _LOCK:
        try:
            previous = project_manager.get_current_project()
        except DataContextRequiredError:
            previous = None
        context, source = _context()
        project_manager.set_project(context)
        try:
            yield context, source
        finally:
            if previous is not None:
                project_manager.set_project(previous)


def _feed_key(feed: Feed) -> str:
    return hashlib.sha1(repr(feed).encode()).hexdigest()[:10]


_RUNNERS: dict[str, _Runner] = {}


def _runner(feed: Feed) -> _Runner:
    """Context objects for one feed, built once per process (keyed by the full declaration,
    so a changed declaration gets its own suite)."""
    key = _feed_key(feed)
    with _LOCK:
        runner = _RUNNERS.get(key)
        if runner is not None:
            return runner
    import great_expectations as gx

    with _active() as (context, source):
        runner = _RUNNERS.get(key)
        if runner is not None:
            return runner
        name = f"{feed.name}.{key}"
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(name=name)
        suite = context.suites.add(_suite(feed, name))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        runner = _Runner(validation, {c.key: c for c in _checks(feed)})
        _RUNNERS[key] = runner
        return runner


# --- the outcome ------------------------------------------------------------------------


@dataclass
class ExpectationResult:
    check: str  # stable key, e.g. "not_null:id_number"
    expectation: str  # GX type, e.g. "expect_column_values_to_not_be_null"
    column: str | None
    severity: str  # "structural" | "warn"
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    unexpected_rows: list[int]  # `_row` of up to MAX_UNEXPECTED_ROWS failing rows
    description: str
    observed: int | list[str] | None = None  # row count, or the missing column names
    error: str | None = None  # the check itself could not run (exception class, missing column)


@dataclass
class ValidationOutcome:
    feed: str
    row_count: int
    success_structural: bool
    success_all: bool
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def failures(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    @property
    def structural_failures(self) -> list[ExpectationResult]:
        return [r for r in self.failures if r.severity == STRUCTURAL]

    @property
    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.failures if r.severity == WARN]

    def to_dict(self) -> dict:
        return asdict(self)


def _as_int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) else None


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return round(f, 4) if math.isfinite(f) else None


_NS_MIN = dt.datetime(1677, 9, 22)
_NS_MAX = dt.datetime(2262, 4, 11)


def _prepare(feed: Feed, df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy with dates, months, years and amounts in types GX compares
    vectorised: datetime64[ns] (values past the ns range clipped to its edges, which keeps
    them outside the plausibility band), float64 for numbers (Decimal objects included)."""

    out = df.copy(deep=False)
    for col in feed.columns:
        if col.name in out.columns:
            coerced = _coerce(col.kind, out[col.name])
            if coerced is not None:
                out[col.name] = coerced
    return out


def _coerce(kind: Kind, s: pd.Series) -> pd.Series | None:
    """The column in a vectorisable type, or None to leave it as it is (the range check
    then reports what it makes of it)."""
    import pandas as pd

    try:
        if kind in (Kind.DATE, Kind.MONTH):
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                return None
            if not pd.api.types.is_datetime64_dtype(s.dtype):
                s = pd.to_datetime(s)
            if s.dtype != "datetime64[ns]":
                s = s.clip(lower=pd.Timestamp(_NS_MIN), upper=pd.Timestamp(_NS_MAX)).astype(
                    "datetime64[ns]"
                )
            return s
        if kind in (Kind.AMOUNT, Kind.YEAR) and s.dtype != "float64":
            return pd.to_numeric(s.astype(object), errors="raise").astype("float64")
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _period_months(feed: Feed, df: pd.DataFrame) -> list:
    """First days of the months named by `_period` (for the period-column check)."""
    import pandas as pd

    months = []
    if "_period" in df.columns:
        for value in df["_period"].dropna().unique():
            try:
                months.append(
                    pd.Timestamp(f"{value}-01" if len(str(value)) == 7 else f"{value}-01-01")
                )
            except ValueError:
                continue
    return months or [pd.Timestamp("1900-01-01")]  # GX refuses an empty set


def _missing_columns(check: _Check, columns: set[str]) -> list[str]:
    needed = []
    if check.column:
        needed.append(check.column)
    needed += [item[1] for item in check.condition]
    return [c for c in needed if c not in columns]


def validate(
    feed: Feed, df: pd.DataFrame, previous_row_count: int | None = None
) -> ValidationOutcome:
    """Validate one partition's rows (one feed, one period) against the feed's suite.

    `previous_row_count`: the previous period's row count; when given, a count below
    ROW_COUNT_FLOOR of it warns. The outcome is JSON-serialisable (`to_dict()`).
    """
    runner = _runner(feed)
    frame = _prepare(feed, df)
    row_count = len(frame)
    min_rows = math.ceil(previous_row_count * ROW_COUNT_FLOOR) if previous_row_count else 0
    params = {_ROW_COUNT_PARAM: min_rows, _PERIOD_MONTHS_PARAM: _period_months(feed, frame)}
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": MAX_UNEXPECTED_ROWS,
        "include_unexpected_rows": False,
        "return_unexpected_index_query": False,
    }
    if ROW_KEY in frame.columns:
        result_format["unexpected_index_column_names"] = [ROW_KEY]
    with _active():
        suite_result = runner.validation.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=params,
            result_format=result_format,
        )
        _forget_stored_results()

    columns = {str(c) for c in frame.columns}
    results: list[ExpectationResult] = []
    for res in suite_result.results:
        config = res.expectation_config
        check = runner.checks.get((config.meta or {}).get("check"))
        if check is None:  # pragma: no cover - not one of ours
            continue
        if check.key == "row_count" and not previous_row_count:
            continue  # nothing to compare against
        results.append(_result(check, res, columns, previous_row_count, min_rows))

    order = {key: i for i, key in enumerate(runner.checks)}
    results.sort(key=lambda r: order.get(r.check, len(order)))
    structural = all(r.success for r in results if r.severity == STRUCTURAL)
    return ValidationOutcome(
        feed=feed.name,
        row_count=row_count,
        success_structural=structural,
        success_all=structural and all(r.success for r in results),
        results=results,
    )


def _result(
    check: _Check, res: Any, columns: set[str], previous: int | None, min_rows: int
) -> ExpectationResult:
    body = res.result or {}
    exceptions = _exceptions(res.exception_info)
    raised = bool(exceptions)
    description = check.description
    observed: int | list[str] | None = None
    error = None
    rows: list[int] = []

    if raised:
        missing = _missing_columns(check, columns)
        if missing:
            error = "缺少列:" + "、".join(missing)
        else:
            # the exception class only: a message may quote a value from the data
            error = "校验无法执行:" + exceptions[0]
    if check.key == "columns":
        details = body.get("details", {}).get("mismatched", {})
        missing = sorted(str(c) for c in details.get("missing", []) or [])
        observed = missing or None
        if missing:
            description += ";缺少:" + "、".join(missing)
    elif check.key == "row_count":
        observed = _as_int(body.get("observed_value"))
        description += f"(上期 {int(previous or 0)} 行,下限 {min_rows} 行,本期 {observed} 行)"
    else:
        index_list = body.get("partial_unexpected_index_list") or []
        for item in index_list[:MAX_UNEXPECTED_ROWS]:
            value = item.get(ROW_KEY) if isinstance(item, dict) else item
            as_int = _as_int(value)
            if as_int is not None:
                rows.append(as_int)

    return ExpectationResult(
        check=check.key,
        expectation=str(res.expectation_config.type),
        column=check.column,
        severity=check.severity,
        success=bool(res.success) and not raised,
        unexpected_count=_as_int(body.get("unexpected_count")),
        unexpected_percent=_as_float(body.get("unexpected_percent")),
        unexpected_rows=rows,
        description=description,
        observed=observed,
        error=error,
    )


def _exceptions(info: Any) -> list[str]:
    """Names of the exceptions GX caught while running one expectation. GX 1.x reports
    either one {raised_exception, exception_message, ...} dict or one such dict per metric."""
    if not isinstance(info, dict):
        return []
    entries = (
        [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    )
    names = []
    for entry in entries:
        if entry.get("raised_exception"):
            trace = str(entry.get("exception_traceback") or "").strip().splitlines()
            last = trace[-1] if trace else ""
            names.append(last.split(":")[0].strip().rsplit(".", 1)[-1] or "Exception")
    return names


def _forget_stored_results() -> None:
    """ValidationDefinition.run keeps every result in the ephemeral context's in-memory
    store (partial unexpected values included); drop them so a long-lived process neither
    grows nor holds personal data."""
    context, _ = _context()
    try:
        context.validation_results_store.store_backend._store.clear()
    except AttributeError:  # pragma: no cover - store layout changed
        pass
