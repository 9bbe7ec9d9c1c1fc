"""Normalisation of raw cells, written once as DuckDB SQL macros over whole columns.

Every value a feed sends passes through exactly one macro per kind (see `Kind` in
feeds.py). The macros return NULL where a value cannot be read; `reader.py` turns that
NULL into a quarantine reason. docs/rules.md's identity rules live here and nowhere else:
full-width to half-width, spaces and a leading apostrophe dropped, `x` to `X`, the
15-digit form upgraded with its check digit (GB 11643-1999, ISO 7064 MOD 11-2).
"""

from __future__ import annotations

from typing import Any

import duckdb

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space, with their half-width twins.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
# Middle-dot variants in names (after full-width ．has become '.').
_DOTS = "•.・‧∙"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _check_digit_sql(arg: str) -> str:
    weighted = " + ".join(f"TRY_CAST(substr({arg}, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(_ID_WEIGHTS))
    return f"substr('{_CHECK_CHARS}', (({weighted}) % 11) + 1, 1)"


MACROS = f"""
-- Applied once to every cell as it is read; the macros below assume half-width text.
CREATE OR REPLACE MACRO pa_has_fullwidth(s) AS coalesce(regexp_matches(s, '[\\x{{FF01}}-\\x{{FF5E}}\\x{{3000}}]'), false);
CREATE OR REPLACE MACRO pa_halfwidth(s) AS
    CASE WHEN pa_has_fullwidth(s) THEN translate(s, {_sql_str(_FULL)}, {_sql_str(_HALF)}) ELSE s END;
CREATE OR REPLACE MACRO pa_blank(s) AS (s IS NULL OR trim(s) = '');
CREATE OR REPLACE MACRO pa_text(s) AS
    CASE WHEN pa_blank(s) THEN NULL ELSE trim(s) END;
CREATE OR REPLACE MACRO pa_name(s) AS
    CASE WHEN pa_blank(s) THEN NULL
         ELSE regexp_replace(translate(s, {_sql_str(_DOTS)}, '·····'), '\\s', '', 'g') END;

-- IDs: trim, full-width to half-width, spaces and a leading apostrophe dropped, x to X.
CREATE OR REPLACE MACRO pa_id_clean(s) AS
    CASE WHEN pa_blank(s) THEN NULL
         ELSE upper(ltrim(regexp_replace(s, '\\s', '', 'g'), '''')) END;
CREATE OR REPLACE MACRO pa_id_check_char(s17) AS {_check_digit_sql("s17")};
CREATE OR REPLACE MACRO pa_id_upgrade15(c) AS
    substr(c, 1, 6) || '19' || substr(c, 7, 9)
    || pa_id_check_char(substr(c, 1, 6) || '19' || substr(c, 7, 9));
-- The 18-character resident ID a cleaned value stands for, or NULL when it is not one.
CREATE OR REPLACE MACRO pa_id18(c) AS
    CASE WHEN regexp_full_match(c, '[0-9]{{17}}[0-9X]') THEN c
         WHEN regexp_full_match(c, '[0-9]{{15}}') THEN pa_id_upgrade15(c)
         ELSE NULL END;
CREATE OR REPLACE MACRO pa_id_valid(id18) AS coalesce(
    regexp_full_match(id18, '[0-9]{{17}}[0-9X]') AND substr(id18, 18, 1) = pa_id_check_char(substr(id18, 1, 17)), false);
-- Cannot be anybody's document number: Excel's rounded scientific form, digits of an
-- impossible length, or characters no document number has.
CREATE OR REPLACE MACRO pa_id_unreadable_form(c) AS
    regexp_full_match(c, '[0-9.]+E[+-]?[0-9]+')
    OR regexp_full_match(c, '[0-9]+X?')
    OR NOT regexp_full_match(c, '[0-9A-Z]+');
CREATE OR REPLACE MACRO pa_id_unrecoverable(c) AS
    c IS NOT NULL AND pa_id18(c) IS NULL AND pa_id_unreadable_form(c);
-- A cleaned ID cell: the resident ID it stands for, else the number of another document,
-- else NULL (unrecoverable). Written as one CASE so each test runs once per value.
CREATE OR REPLACE MACRO pa_id_of(c) AS
    CASE WHEN regexp_full_match(c, '[0-9]{{17}}[0-9X]') THEN c
         WHEN regexp_full_match(c, '[0-9]{{15}}') THEN pa_id_upgrade15(c)
         WHEN pa_id_unreadable_form(c) THEN NULL
         ELSE c END;
-- A department's ID cell, raw.
CREATE OR REPLACE MACRO pa_id(s) AS pa_id_of(pa_id_clean(s));

CREATE OR REPLACE MACRO pa_digits(s, n) AS
    CASE WHEN regexp_full_match(trim(s), '[0-9]{{' || n || '}}')
         THEN trim(s) ELSE NULL END;

-- Dates: 2024-05-03, 2024/5/3, 20240503, 2024.05.03, 2024年5月3日 (XLSX date cells arrive
-- already as 2024-05-03). Impossible dates (2024-02-30) and years outside 1900..2100 are NULL.
-- The separator picks the one format to try (a list of formats tries each in turn, four
-- times slower on a column of 2011.07.01).
CREATE OR REPLACE MACRO pa_in_range(d) AS
    CASE WHEN d BETWEEN DATE '1900-01-01' AND DATE '2100-12-31' THEN d END;
CREATE OR REPLACE MACRO pa_parse_date(t) AS
    CASE WHEN contains(t, '-') THEN try_strptime(t, '%Y-%m-%d')
         WHEN contains(t, '/') THEN try_strptime(t, '%Y/%m/%d')
         WHEN contains(t, '.') THEN try_strptime(t, '%Y.%m.%d')
         WHEN contains(t, '年') THEN try_strptime(t, '%Y年%m月%d日')
         ELSE try_strptime(t, '%Y%m%d') END;
-- A date-time written as text at midnight (what a date cell becomes when a system exports it
-- as text: `2024-05-03 00:00:00`, `2024-05-03T00:00`) is its date; any other time of day is
-- refused.
CREATE OR REPLACE MACRO pa_date_text(s) AS
    replace(regexp_replace(trim(s), '[T ]+0?0:00(:00(\\.0+)?)?$', ''), ' ', '');
CREATE OR REPLACE MACRO pa_date(s) AS pa_in_range(pa_parse_date(pa_date_text(s))::DATE);
-- Year-months: 202405, 2024-05, 2024年5月 (and a full date, read as its month).
CREATE OR REPLACE MACRO pa_parse_month(t) AS coalesce(
    CASE WHEN contains(t, '-') THEN try_strptime(t, '%Y-%m')
         WHEN contains(t, '/') THEN try_strptime(t, '%Y/%m')
         WHEN contains(t, '.') THEN try_strptime(t, '%Y.%m')
         WHEN contains(t, '年') THEN try_strptime(t, '%Y年%m月')
         ELSE try_strptime(t, '%Y%m') END,
    pa_parse_date(t));
CREATE OR REPLACE MACRO pa_month(s) AS
    CAST(date_trunc('month', pa_in_range(pa_parse_month(pa_date_text(s))::DATE)) AS DATE);

CREATE OR REPLACE MACRO pa_year(s) AS
    CASE WHEN regexp_full_match(trim(s), '[0-9]{{4}}\\s*(年度?)?')
              AND CAST(substr(trim(s), 1, 4) AS INTEGER) BETWEEN 1900 AND 2100
         THEN CAST(substr(trim(s), 1, 4) AS INTEGER) END;

-- Yuan to the fen, never rounded: thousands separators in groups of three, a leading ¥, a
-- unit after the number (元, 元整, 元/年; 万元 or 万 = ten thousand yuan) and a tier label's
-- 档/档次 (`200元档`). A column whose header says 万元 (`拨付金额(万元)`) is read in 万元 unless
-- the cell names its own unit. At most two decimals in yuan, six in 万元 (still the fen).
CREATE OR REPLACE MACRO pa_amount_parts(s) AS regexp_extract(regexp_replace(s, '\\s', '', 'g'),
    '^[¥￥]?(-?[0-9][0-9,]*(?:\\.[0-9]+)?)(万)?(元)?(?:整|/年|每年)?(?:档次?)?$', ['num', 'wan', 'yuan']);
CREATE OR REPLACE MACRO pa_amount_in(n, scale) AS
    CASE WHEN length(coalesce(regexp_extract(n, '\\.([0-9]+)$', 1), '')) <= CASE WHEN scale = 1 THEN 2 ELSE 6 END
         THEN TRY_CAST(TRY_CAST(n AS DECIMAL(20, 6)) * scale AS DECIMAL(14, 2)) END;
CREATE OR REPLACE MACRO pa_amount_of(p, header_scale) AS
    CASE WHEN regexp_full_match(p.num, '-?([0-9]{{1,3}}(,[0-9]{{3}})+|[0-9]+)(\\.[0-9]+)?')
         THEN pa_amount_in(replace(p.num, ',', ''),
                           CASE WHEN p.wan <> '' THEN 10000 WHEN p.yuan <> '' THEN 1 ELSE header_scale END) END;
CREATE OR REPLACE MACRO pa_amount_scaled(s, header_scale) AS pa_amount_of(pa_amount_parts(s), header_scale);
CREATE OR REPLACE MACRO pa_amount(s) AS pa_amount_scaled(s, 1);

-- 案号: compared after dropping spaces and unifying parentheses.
CREATE OR REPLACE MACRO pa_case_no(s) AS
    CASE WHEN pa_blank(s) THEN NULL
         ELSE regexp_replace(s, '\\s', '', 'g') END;
-- Enumerated values compare without spaces, half-width, `()` for `（）`.
CREATE OR REPLACE MACRO pa_enum_key(s) AS regexp_replace(s, '\\s', '', 'g');
"""


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the normalisation macros on a connection (temporary, per connection)."""
    con.execute(MACROS.replace("CREATE OR REPLACE MACRO", "CREATE OR REPLACE TEMP MACRO"))


def connect(path: str | None = None, read_only: bool = False, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the macros installed; nothing leaves the machine."""
    config: dict[str, Any] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    if threads:
        config["threads"] = threads
    con = duckdb.connect(path or ":memory:", read_only=read_only, config=config)
    install_macros(con)
    return con
