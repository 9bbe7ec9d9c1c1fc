{# A policy parameter in force on a date (rules are data: see seeds/policy_parameters.csv). #}
{% macro policy(parameter, on_date="current_date") -%}
(select value from {{ ref('policy_parameters') }}
 where parameter = '{{ parameter }}' and effective_from <= {{ on_date }}
 order by effective_from desc limit 1)
{%- endmacro %}

{# The as-of month T: the latest 发放年月 seen. #}
{% macro as_of_month() -%}
(select as_of_month from {{ ref('int_as_of') }})
{%- endmacro %}

{# Resident document types: their numbers are 公民身份号码 and follow its check digit. #}
{% macro resident_doc_types() -%}
('居民身份证', '社会保障卡', '港澳台居民居住证')
{%- endmacro %}

{#
  docs/rules.md's one fuzzy rule: a mistyped ID is linked only when exactly one roster person has
  the same normalised name and an ID one character or one adjacent swap away. `rows` and
  `candidates` are relations with `name` and `id_number`; returns (row_key, person_id).
#}
{% macro unique_typo_match(rows, row_key, candidates, candidate_person) -%}
select r.{{ row_key }} as row_key, min(c.{{ candidate_person }}) as person_id
from {{ rows }} as r
inner join {{ candidates }} as c
    on c.name = r.name and c.id_number <> r.id_number
    and {{ one_typo_apart('r.id_number', 'c.id_number') }}
group by r.{{ row_key }}
having count(distinct c.{{ candidate_person }}) = 1
{%- endmacro %}

{# The bureau's calendar day (北京时间) the build decides on: the platform passes it as the var
   `today` (pension_audit/settings.py: dbt_vars); the database's date when run by hand. #}
{% macro bureau_today() -%}
{%- if var('today', none) -%}cast('{{ var("today") }}' as date){%- else -%}current_date{%- endif -%}
{%- endmacro %}

{# Where the district's data starts ('YYYY-MM'; the var `data_start`), as a date, or null when
   not configured (the earliest period of the file log then). #}
{% macro data_start() -%}
{%- if var('data_start', none) -%}cast('{{ var("data_start") }}-01' as date){%- else -%}cast(null as date){%- endif -%}
{%- endmacro %}
