{#
  Cross-database macros: the same models build on DuckDB (the warehouse) and on Apache Spark
  (dbt-spark, for a province-wide run). Only what the two dialects spell differently lives
  here; everything else in the models is SQL both accept (`string` for text, `make_date`,
  `interval n month`, `filter (where …)`, `bool_or`, `any_value`, `min_by`/`max_by`, window
  functions in a subquery instead of QUALIFY).
#}

{# Months as YYYY-MM text, for keys and the export. #}
{% macro month_text(expr) -%}
{{ return(adapter.dispatch('month_text')(expr)) }}
{%- endmacro %}
{% macro duckdb__month_text(expr) -%}strftime({{ expr }}, '%Y-%m'){%- endmacro %}
{% macro spark__month_text(expr) -%}date_format({{ expr }}, 'yyyy-MM'){%- endmacro %}

{# A date n months later (a date, not a timestamp). #}
{% macro add_months(expr, n) -%}
{{ return(adapter.dispatch('add_months')(expr, n)) }}
{%- endmacro %}
{% macro duckdb__add_months(expr, n) -%}cast({{ expr }} + to_months({{ n }}) as date){%- endmacro %}
{% macro spark__add_months(expr, n) -%}add_months({{ expr }}, {{ n }}){%- endmacro %}

{# Days from a to b. #}
{% macro days_between(a, b) -%}
{{ return(adapter.dispatch('days_between')(a, b)) }}
{%- endmacro %}
{% macro duckdb__days_between(a, b) -%}date_diff('day', {{ a }}, {{ b }}){%- endmacro %}
{% macro spark__days_between(a, b) -%}datediff({{ b }}, {{ a }}){%- endmacro %}

{# The whole text matches a regular expression (patterns both RE2 and Java read alike). #}
{% macro full_match(expr, pattern) -%}
{{ return(adapter.dispatch('full_match')(expr, pattern)) }}
{%- endmacro %}
{% macro duckdb__full_match(expr, pattern) -%}regexp_full_match({{ expr }}, '{{ pattern }}'){%- endmacro %}
{% macro spark__full_match(expr, pattern) -%}({{ expr }} rlike '^(?:{{ pattern }})$'){%- endmacro %}

{#
  Lists of text (evidence, months). `agg_list` collects `expr` in the order of `order_by` (a
  list of expressions, ascending), only rows passing `filter` when given. On Spark,
  collect_list has no order: the values are collected as structs led by the sort keys and
  sorted. Like DuckDB's list, it keeps NULL values, and yields NULL when no row passes.
#}
{% macro agg_list(expr, order_by, filter=none) -%}
{{ return(adapter.dispatch('agg_list')(expr, order_by, filter)) }}
{%- endmacro %}
{% macro duckdb__agg_list(expr, order_by, filter) -%}
list({{ expr }} order by {{ order_by | join(', ') }}){% if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}
{% macro spark__agg_list(expr, order_by, filter) -%}
{%- set keys -%}
{%- for o in order_by %}{{ o }} as k{{ loop.index }}, {% endfor %}{{ expr }} as v
{%- endset -%}
nullif(transform(array_sort(collect_list(struct({{ keys }})){% if filter %} filter (where {{ filter }}){% endif %}), x -> x.v), array())
{%- endmacro %}

{# The distinct values of a text expression, sorted. #}
{% macro agg_distinct_sorted(expr) -%}
{{ return(adapter.dispatch('agg_distinct_sorted')(expr)) }}
{%- endmacro %}
{% macro duckdb__agg_distinct_sorted(expr) -%}list(distinct {{ expr }} order by {{ expr }}){%- endmacro %}
{% macro spark__agg_distinct_sorted(expr) -%}nullif(array_sort(collect_set({{ expr }})), array()){%- endmacro %}

{# Text values joined with `sep` in the order of `order_by`. #}
{% macro agg_text(expr, sep, order_by) -%}
{{ return(adapter.dispatch('agg_text')(expr, sep, order_by)) }}
{%- endmacro %}
{% macro duckdb__agg_text(expr, sep, order_by) -%}
string_agg({{ expr }}, '{{ sep }}' order by {{ order_by | join(', ') }})
{%- endmacro %}
{% macro spark__agg_text(expr, sep, order_by) -%}
array_join({{ spark__agg_list(expr, order_by, none) }}, '{{ sep }}')
{%- endmacro %}

{# A list of the given text expressions; with none, an empty list of text. #}
{% macro list_of(items=[]) -%}
{{ return(adapter.dispatch('list_of')(items)) }}
{%- endmacro %}
{% macro duckdb__list_of(items) -%}
{%- if items %}[{{ items | join(', ') }}]{% else %}cast([] as varchar[]){% endif -%}
{%- endmacro %}
{% macro spark__list_of(items) -%}
{%- if items %}array({{ items | join(', ') }}){% else %}cast(array() as array<string>){% endif -%}
{%- endmacro %}

{# Two lists one after the other. #}
{% macro list_concat(a, b) -%}
{{ return(adapter.dispatch('list_concat')(a, b)) }}
{%- endmacro %}
{% macro duckdb__list_concat(a, b) -%}list_concat({{ a }}, {{ b }}){%- endmacro %}
{% macro spark__list_concat(a, b) -%}concat({{ a }}, {{ b }}){%- endmacro %}

{#
  Two 18-character IDs that differ in one character or by one swap of adjacent ones. DuckDB
  has hamming and damerau_levenshtein; elsewhere the same is spelled out position by
  position: one mismatch, or exactly two at adjacent positions i, i+1 holding each other's
  character (with equal lengths, Damerau distance 1 and two mismatches is exactly that).
#}
{% macro one_typo_apart(a, b) -%}
{{ return(adapter.dispatch('one_typo_apart')(a, b)) }}
{%- endmacro %}
{% macro duckdb__one_typo_apart(a, b) -%}
(length({{ a }}) = 18 and length({{ b }}) = 18
 and (hamming({{ a }}, {{ b }}) = 1
      or (hamming({{ a }}, {{ b }}) = 2 and damerau_levenshtein({{ a }}, {{ b }}) = 1)))
{%- endmacro %}
{% macro default__one_typo_apart(a, b) -%}
{%- set mismatches -%}
({% for i in range(1, 19) %}case when substr({{ a }}, {{ i }}, 1) <> substr({{ b }}, {{ i }}, 1) then 1 else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
{%- endset -%}
(length({{ a }}) = 18 and length({{ b }}) = 18
 and ({{ mismatches }} = 1
      or ({{ mismatches }} = 2 and ({% for i in range(1, 18) %}(substr({{ a }}, {{ i }}, 2) = reverse(substr({{ b }}, {{ i }}, 2)) and substr({{ a }}, {{ i }}, 1) <> substr({{ b }}, {{ i }}, 1)){% if not loop.last %} or {% endif %}{% endfor %}))))
{%- endmacro %}

{# A date as Chinese text inside a sentence: 2026年1月10日. #}
{% macro cn_date(expr) -%}
(cast(year({{ expr }}) as string) || '年' || cast(month({{ expr }}) as string) || '月'
 || cast(day({{ expr }}) as string) || '日')
{%- endmacro %}

{# A month as Chinese text inside a sentence: 2026年1月. #}
{% macro cn_month(expr) -%}
(cast(year({{ expr }}) as string) || '年' || cast(month({{ expr }}) as string) || '月')
{%- endmacro %}

{# A date n days later (n may be a column). #}
{% macro add_days(expr, n) -%}
{{ return(adapter.dispatch('add_days')(expr, n)) }}
{%- endmacro %}
{% macro duckdb__add_days(expr, n) -%}cast({{ expr }} + to_days(cast({{ n }} as integer)) as date){%- endmacro %}
{% macro spark__add_days(expr, n) -%}date_add({{ expr }}, {{ n }}){%- endmacro %}

{# One row per first day of a month, from the month of `first` to the month of `last`: `period_start`. #}
{% macro month_starts(first, last) -%}
{{ return(adapter.dispatch('month_starts')(first, last)) }}
{%- endmacro %}
{% macro duckdb__month_starts(first, last) -%}
select cast(unnest(generate_series(cast(date_trunc('month', {{ first }}) as date),
                                   cast(date_trunc('month', {{ last }}) as date), interval 1 month)) as date) as period_start
{%- endmacro %}
{% macro spark__month_starts(first, last) -%}
select explode(sequence(cast(date_trunc('month', {{ first }}) as date),
                        cast(date_trunc('month', {{ last }}) as date), interval 1 month)) as period_start
{%- endmacro %}
