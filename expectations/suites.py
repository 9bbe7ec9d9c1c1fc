"""Great Expectations suites for the seventeen feeds, derived from `pension_audit.ingest.feeds`.

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
    validate_periods(feed, df, previous_row_counts) -> dict[period, ValidationOutcome]
    validate(feed, df, previous_row_count=None) -> ValidationOutcome
    suite_as_json(feed) -> dict
    describe_suites() -> list[dict]

GX is imported lazily (3-5 s) and one ephemeral context, with one suite / batch definition /
validation definition per feed, is cached per process. Nothing is written to disk.

A GX run costs ~0.5-1 s whatever the frame's size, so `validate_periods` runs the suite once
over the rows of many periods (the unexpected `_row`s come back tagged with their period and
are split per period) and the row-count check once over a small frame with one row per
period; each period still gets its own `ValidationOutcome`.
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

import numpy as np
import pandas as pd

from pension_audit.ingest.feeds import FEEDS, RESIDENT_DOC_TYPES, Cadence, Column, Feed, Kind

if TYPE_CHECKING:  # pragma: no cover
    import great_expectations as gx

__all__ = [
    "LINEAGE_COLUMNS",
    "ROW_KEY",
    "STRUCTURAL",
    "WARN",
    "ExpectationResult",
    "ValidationOutcome",
    "build_suite",
    "checks",
    "columns_read",
    "describe_suites",
    "suite_as_json",
    "validate",
    "validate_periods",
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
# Internal columns added to the validated frame (never reported): the partition a row
# belongs to, the `_row` qualified by it, and per period column whether the row's value is
# the month of its own `_period`.
_PARTITION = "__partition"
_ROW_IN_PARTITION = "__row_in_partition"
# The one-row-per-period frame of the row-count check.
_COUNT_ROWS = "rows"
_COUNT_MINIMUM = "minimum_rows"


def _matches_period_column(name: str) -> str:
    return f"__{name}_matches_period"


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
    # the frame columns a derived (internal) checked column is computed from
    inputs: tuple[str, ...] = ()
    # checked on the one-row-per-period frame (row counts), not on the rows themselves
    per_period: bool = False


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
            {"column": _ROW_IN_PARTITION},
            STRUCTURAL,
            "血缘列 _row(文件行号)在同一期间内不得重复",
            ROW_KEY,
            inputs=(ROW_KEY,),
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
                {"column": _matches_period_column(col.name), "value_set": [True]},
                STRUCTURAL,
                f"{_label(col)}须与本行的文件期间(_period)同月",
                col.name,
                inputs=(col.name, "_period"),
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

    # warn: row count not collapsing (one row per period: its count and its minimum) --------
    checks.append(
        _Check(
            "row_count",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": _COUNT_ROWS, "column_B": _COUNT_MINIMUM, "or_equal": True},
            WARN,
            f"行数不得少于上期的{ROW_COUNT_FLOOR:.0%}",
            per_period=True,
        )
    )
    return checks


# --- GX objects -------------------------------------------------------------------------


def _condition(spec: tuple[tuple[Any, ...], ...]) -> Any:
    if not spec:
        return None
    from great_expectations.expectations.row_conditions import Column as C

    parts: list[Any] = []
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


def _suite(
    feed: Feed, name: str, per_period: bool = False, severities: tuple[str, ...] = (STRUCTURAL, WARN)
) -> gx.ExpectationSuite:
    """The checks on the rows (default), or the checks on the one-row-per-period frame; of
    the given severities (default: all)."""
    import great_expectations as gx
    from great_expectations.expectations.metadata_types import FailureSeverity

    suite = gx.ExpectationSuite(name=name, meta={"feed": feed.name, "title": feed.title})
    for check in _checks(feed):
        if check.per_period != per_period or check.severity not in severities:
            continue
        kwargs = dict(check.kwargs)
        condition = _condition(check.condition)
        if condition is not None:
            kwargs["row_condition"] = condition
        expectation = getattr(gx.expectations, check.expectation)(
            **kwargs,
            description=check.description,
            severity=FailureSeverity.CRITICAL if check.severity == STRUCTURAL else FailureSeverity.WARNING,
            meta={"severity": check.severity, "check": check.key},
        )
        suite.add_expectation(expectation)
    return suite


def build_suite(feed: Feed) -> gx.ExpectationSuite:
    """The feed's suite over its rows, derived from its declaration only (a fresh, unsaved
    object). The row-count check runs separately, over one row per period."""
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


def checks(feed: Feed) -> list[_Check]:
    """The feed's checks as plain data, in suite order (what `expectations.structure` computes
    in DuckDB for the STRUCTURAL ones)."""
    return _checks(feed)


def columns_read(feed: Feed, severities: tuple[str, ...]) -> list[str]:
    """The frame columns the row checks of these severities read (with `_period` and `_row`,
    which tell the periods and rows apart): what the loader selects for GX, no more."""
    names = ["_period", ROW_KEY]
    for check in _checks(feed):
        if check.severity not in severities or check.per_period or "column" not in check.kwargs:
            continue
        needed = list(check.inputs) if check.inputs else [check.kwargs["column"]]
        names += needed + [item[1] for item in check.condition]
    return list(dict.fromkeys(names))


@dataclass
class _Runner:
    validation: Any  # gx.ValidationDefinition over the rows
    counts: Any  # gx.ValidationDefinition over one row per period (row-count check)
    checks: dict[str, _Check]  # all of them, in suite order


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


def _runner(feed: Feed, severities: tuple[str, ...] = (STRUCTURAL, WARN)) -> _Runner:
    """Context objects for one feed and the severities it runs, built once per process (keyed
    by the full declaration, so a changed declaration gets its own suite)."""
    key = _feed_key(feed) + ("" if severities == (STRUCTURAL, WARN) else "." + ".".join(severities))
    with _LOCK:
        runner = _RUNNERS.get(key)
        if runner is not None:
            return runner
    import great_expectations as gx

    with _active() as (context, source):
        runner = _RUNNERS.get(key)
        if runner is not None:
            return runner
        definitions = []
        for name, per_period in (
            (f"{feed.name}.{key}", False),
            (f"{feed.name}.{key}.counts", True),
        ):
            asset = source.add_dataframe_asset(name=name)
            batch = asset.add_batch_definition_whole_dataframe(name=name)
            suite = context.suites.add(_suite(feed, name, per_period, severities))
            definitions.append(
                context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
            )
        rows, counts = definitions
        runner = _Runner(rows, counts, {c.key: c for c in _checks(feed)})
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

    try:
        if kind in (Kind.DATE, Kind.MONTH):
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                return None
            if not pd.api.types.is_datetime64_dtype(s.dtype):
                s = pd.to_datetime(s)
            if s.dtype != "datetime64[ns]":
                s = s.clip(lower=pd.Timestamp(_NS_MIN), upper=pd.Timestamp(_NS_MAX)).astype("datetime64[ns]")
            return s
        if kind in (Kind.AMOUNT, Kind.YEAR) and s.dtype != "float64":
            return pd.to_numeric(s.astype(object), errors="raise").astype("float64")
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _period_start(value: Any) -> Any:
    """First day of the month a `_period` names (YYYY-MM), or of its year (YYYY); None
    when it names neither."""

    text = str(value)
    try:
        return pd.Timestamp(f"{text}-01" if len(text) == 7 else f"{text}-01-01")
    except (TypeError, ValueError):
        return None


def _same(value: Any, expected: Any) -> bool:
    try:
        return bool(value == expected)
    except (TypeError, ValueError):
        return False


def _derive(feed: Feed, frame: pd.DataFrame) -> None:
    """Add the internal columns some checks look at (in place, on our own copy):

    - the `_row` qualified by the row's partition (file row numbers repeat across periods);
    - per period column, whether the row's value is the month of the row's own `_period`
      (None where the value or `_period` is empty: not judged, as GX skips nulls).
    """

    if ROW_KEY in frame.columns:
        row = frame[ROW_KEY]
        key = frame[_PARTITION].astype(str) + "\x1f" + row.astype(str)
        frame[_ROW_IN_PARTITION] = key.astype(object).where(row.notna(), None)
    name = feed.period_column
    if name and name in frame.columns and "_period" in frame.columns:
        starts = {p: _period_start(p) for p in frame["_period"].dropna().unique()}
        expected = pd.to_datetime(frame["_period"].map(starts), errors="coerce")
        value = frame[name]
        if pd.api.types.is_datetime64_dtype(value.dtype):
            same = value.to_numpy() == expected.to_numpy()  # NaT equals nothing
        else:  # left uncoerced (e.g. text): compared value by value
            same = np.array([_same(v, e) for v, e in zip(value, expected)], dtype=bool)
        judged = (value.notna() & frame["_period"].notna()).to_numpy()
        frame[_matches_period_column(name)] = pd.Series(
            np.where(judged, same.astype(object), None), index=frame.index, dtype=object
        )


def _condition_mask(spec: tuple[tuple[Any, ...], ...], frame: pd.DataFrame) -> pd.Series:
    """The row condition of a check (as `_condition` hands it to GX), evaluated in pandas."""

    mask = pd.Series(not spec, index=frame.index)
    for item in spec:
        column = frame[item[1]]
        if item[0] == "is_null":
            mask |= column.isna()
        elif item[0] == "not_null":
            mask |= column.notna()
        elif item[0] == "in":
            mask |= column.isin(list(item[2]))
        else:  # pragma: no cover
            raise ValueError(item)
    return mask


def _missing_columns(check: _Check, columns: set[str]) -> list[str]:
    needed = list(check.inputs) if check.inputs else [check.column] if check.column else []
    needed += [item[1] for item in check.condition]
    return [c for c in needed if c not in columns]


def validate_periods(
    feed: Feed,
    df: pd.DataFrame,
    previous_row_counts: dict[str, int | None],
    severities: tuple[str, ...] = (STRUCTURAL, WARN),
) -> dict[str, ValidationOutcome]:
    """Validate the rows of several periods of one feed with ONE run of the feed's suite
    (plus one small run for the row-count check), reporting per period.

    `df`: the feed's rows of those periods (the columns `validate` takes; `_period` tells
    the periods apart; rows of periods not listed are ignored). `previous_row_counts`: every
    period to report on (even one with no rows in `df`) -> the row count of the feed's
    previous period, or None. A period's count below ROW_COUNT_FLOOR of a (non-zero)
    previous count warns; with None there is no row-count result, as in `validate`.

    Returns period -> the `ValidationOutcome` `validate` would give for that period's rows
    alone: per period, a row check fails when the period has unexpected rows (or, for
    checks with `mostly`, too many of them), `unexpected_count` / `unexpected_percent` are
    that period's, `unexpected_rows` up to MAX_UNEXPECTED_ROWS of its `_row`s. Table-level
    checks (the column set) apply to every period alike. Keys keep the order given.

    `severities`: which of the suite's checks GX runs (default all). The loader runs only
    the WARN ones here: the STRUCTURAL ones are computed in DuckDB where the rows are
    (`expectations.structure`), with the same results.
    """

    periods = list(previous_row_counts)
    if "_period" in df.columns:
        rows = df[df["_period"].isin(periods)]
        partition = rows["_period"]
    elif len(periods) <= 1:  # no lineage column: the rows can only be the one period's
        rows = df
        partition = pd.Series(periods * len(df) if periods else [], index=df.index, dtype=object)
    else:
        raise ValueError("df has no _period column to tell several periods apart")
    return _validate(feed, rows, partition, previous_row_counts, severities)


def validate(feed: Feed, df: pd.DataFrame, previous_row_count: int | None = None) -> ValidationOutcome:
    """Validate one partition's rows (one feed, one period) against the feed's suite.

    `previous_row_count`: the previous period's row count; when given, a count below
    ROW_COUNT_FLOOR of it warns. The outcome is JSON-serialisable (`to_dict()`).
    `validate_periods` for the single partition: every row of `df` counts as the
    partition's, whatever its `_period` says (the lineage check reports a foreign one).
    """

    partition = pd.Series([""] * len(df), index=df.index, dtype=object)
    return _validate(feed, df, partition, {"": previous_row_count})[""]


def _validate(
    feed: Feed,
    df: pd.DataFrame,
    partition: pd.Series,
    previous_row_counts: dict[Any, int | None],
    severities: tuple[str, ...] = (STRUCTURAL, WARN),
) -> dict[Any, ValidationOutcome]:
    """Run the suite once over `df`, whose rows `partition` assigns to the keys of
    `previous_row_counts`, and split the results per key."""

    runner = _runner(feed, severities)
    frame = _prepare(feed, df)
    frame[_PARTITION] = partition.to_numpy()
    frame = frame.reset_index(drop=True)
    if STRUCTURAL in severities:  # the derived columns are for structural checks only
        _derive(feed, frame)
    columns = {str(c) for c in df.columns}
    keys = list(previous_row_counts)
    row_counts = {key: 0 for key in keys}
    row_counts.update(frame[_PARTITION].value_counts().to_dict())

    counts = [
        (key, row_counts[key], math.ceil(previous * ROW_COUNT_FLOOR), previous)
        for key, previous in previous_row_counts.items()
        if previous
    ]
    count_frame = pd.DataFrame(
        {
            "_period": pd.Series([c[0] for c in counts], dtype=object),
            _COUNT_ROWS: pd.Series([c[1] for c in counts], dtype="int64"),
            _COUNT_MINIMUM: pd.Series([c[2] for c in counts], dtype="int64"),
        }
    )
    index_columns = [_PARTITION] + ([ROW_KEY] if ROW_KEY in frame.columns else [])
    with _active():
        try:
            row_result = runner.validation.run(
                batch_parameters={"dataframe": frame},
                result_format=_complete(index_columns),
            )
            count_result = (
                runner.counts.run(
                    batch_parameters={"dataframe": count_frame},
                    result_format=_complete(["_period"]),
                )
                if len(count_frame)
                else None
            )
        finally:
            _forget_stored_results()

    per_key: dict[Any, list[ExpectationResult]] = {key: [] for key in keys}
    for suite_result in (row_result, count_result):
        for res in suite_result.results if suite_result is not None else ():
            check = runner.checks.get(str((res.expectation_config.meta or {}).get("check")))
            if check is None:  # pragma: no cover - not one of ours
                continue
            if check.per_period:
                split = _split_row_count(check, res, counts)
            elif "column" in check.kwargs:
                split = _split_rows(check, res, frame, keys, columns)
            else:
                split = {key: _table_result(check, res, columns) for key in keys}
            for key, one in split.items():
                per_key[key].append(one)

    order = {key: i for i, key in enumerate(runner.checks)}
    outcomes = {}
    for key, results in per_key.items():
        results.sort(key=lambda r: order.get(r.check, len(order)))
        structural = all(r.success for r in results if r.severity == STRUCTURAL)
        outcomes[key] = ValidationOutcome(
            feed=feed.name,
            row_count=int(row_counts[key]),
            success_structural=structural,
            success_all=structural and all(r.success for r in results),
            results=results,
        )
    return outcomes


def _complete(index_columns: list[str]) -> dict[str, Any]:
    """COMPLETE, so that GX lists *every* unexpected row (SUMMARY stops at
    partial_unexpected_count, which would make the per-period split wrong); the values
    themselves are left out."""
    return {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": index_columns,
        "partial_unexpected_count": MAX_UNEXPECTED_ROWS,
        "exclude_unexpected_values": True,
        "include_unexpected_rows": False,
        "return_unexpected_index_query": False,
    }


def _error(check: _Check, res: Any, columns: set[str]) -> str | None:
    exceptions = _exceptions(res.exception_info)
    if not exceptions:
        return None
    missing = _missing_columns(check, columns)
    if missing:
        return "缺少列:" + "、".join(missing)
    # the exception class only: a message may quote a value from the data
    return "校验无法执行:" + exceptions[0]


def _base(check: _Check, res: Any, **fields: Any) -> ExpectationResult:
    return ExpectationResult(
        check=check.key,
        expectation=str(res.expectation_config.type),
        column=check.column,
        severity=check.severity,
        **{"description": check.description, **fields},
    )


def _table_result(check: _Check, res: Any, columns: set[str]) -> ExpectationResult:
    """A table-level check (the column set): the same for every period."""
    body = res.result or {}
    error = _error(check, res, columns)
    description = check.description
    observed: list[str] | None = None
    if check.key == "columns":
        details = body.get("details", {}).get("mismatched", {})
        missing = sorted(str(c) for c in details.get("missing", []) or [])
        observed = missing or None
        if missing:
            description += ";缺少:" + "、".join(missing)
    return _base(
        check,
        res,
        success=bool(res.success) and error is None,
        unexpected_count=_as_int(body.get("unexpected_count")),
        unexpected_percent=_as_float(body.get("unexpected_percent")),
        unexpected_rows=[],
        description=description,
        observed=observed,
        error=error,
    )


def _index_rows(index_list: Any) -> list[dict[str, Any]]:
    """GX's unexpected_index_list as one dict per unexpected row. With
    `exclude_unexpected_values` GX 1.x returns the columns instead ([{column: [values]}])."""
    rows: list[dict[str, Any]] = []
    for item in index_list or []:
        if not isinstance(item, dict):
            continue
        if item and all(isinstance(v, list) for v in item.values()):
            names = list(item)
            rows += [dict(zip(names, values)) for values in zip(*item.values())]
        else:
            rows.append(item)
    return rows


def _split_rows(
    check: _Check, res: Any, frame: pd.DataFrame, keys: list[Any], columns: set[str]
) -> dict[Any, ExpectationResult]:
    """A row check's result per partition, from GX's complete list of unexpected rows."""
    body = res.result or {}
    error = _error(check, res, columns)
    index_list = _index_rows(body.get("unexpected_index_list"))
    total = _as_int(body.get("unexpected_count"))
    if error is None and (total or 0) != len(index_list):
        # GX listed fewer rows than it counted: a per-period split would be wrong
        error = "校验无法执行:未返回全部异常行"
    if error is not None:
        return {
            key: _base(
                check,
                res,
                success=False,
                unexpected_count=total,
                unexpected_percent=None,
                unexpected_rows=[],
                error=error,
            )
            for key in keys
        }

    unexpected: dict[Any, int] = {}
    rows: dict[Any, list[int]] = {}
    for item in index_list:
        key = item.get(_PARTITION)
        unexpected[key] = unexpected.get(key, 0) + 1
        listed = rows.setdefault(key, [])
        if len(listed) < MAX_UNEXPECTED_ROWS:
            as_int = _as_int(item.get(ROW_KEY))
            if as_int is not None:
                listed.append(as_int)

    # the denominators GX uses: rows in the check's domain (its row condition), and of
    # those the ones with a value (map checks skip empty values, except the not-null check)
    domain = _condition_mask(check.condition, frame)
    considered = frame.loc[domain, _PARTITION].value_counts().to_dict()
    valued = frame.loc[domain & frame[check.kwargs["column"]].notna(), _PARTITION]
    with_value = valued.value_counts().to_dict()
    mostly = float(check.kwargs.get("mostly", 1.0))
    nulls_count = check.expectation == "ExpectColumnValuesToNotBeNull"

    split = {}
    for key in keys:
        count = unexpected.get(key, 0)
        total_rows = int(considered.get(key, 0))
        base = total_rows if nulls_count else int(with_value.get(key, 0))
        if total_rows == 0 or base == 0:
            success, percent = True, None
        else:
            success = (base - count) / base >= mostly
            percent = count / base * 100
        split[key] = _base(
            check,
            res,
            success=success,
            unexpected_count=count,
            unexpected_percent=_as_float(percent),
            unexpected_rows=rows.get(key, []),
        )
    return split


def _split_row_count(check: _Check, res: Any, counts: list[tuple[Any, int, int, int]]) -> dict[Any, ExpectationResult]:
    """The row-count check per period that has a previous count (one row each in the
    frame GX saw); the others get no result."""
    body = res.result or {}
    error = _error(check, res, {"_period", _COUNT_ROWS, _COUNT_MINIMUM})
    collapsed = {item.get("_period") for item in _index_rows(body.get("unexpected_index_list"))}
    split = {}
    for key, rows, minimum, previous in counts:
        split[key] = _base(
            check,
            res,
            success=error is None and key not in collapsed,
            unexpected_count=None,
            unexpected_percent=None,
            unexpected_rows=[],
            description=check.description + f"(上期 {int(previous)} 行,下限 {minimum} 行,本期 {rows} 行)",
            observed=rows,
            error=error,
        )
    return split


def _exceptions(info: Any) -> list[str]:
    """Names of the exceptions GX caught while running one expectation. GX 1.x reports
    either one {raised_exception, exception_message, ...} dict or one such dict per metric."""
    if not isinstance(info, dict):
        return []
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
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
