{#
  The staging view of one feed: its loaded rows, typed and normalised at ingestion, with
  the file period as a date and a source reference `feed/period#row` for evidence. Periods
  whose structural expectations failed are left out: they block everything downstream.
#}
{% macro stage_feed(feed, monthly=true) %}
with source as (
    select * from {{ source('raw', feed) }}
),

blocked as (
    select distinct period
    from {{ source('meta', 'check_results') }}
    where feed = '{{ feed }}' and severity = 'structural' and not success
)

select
    source.*,
    {% if monthly -%}
    cast(_period || '-01' as date) as file_month,
    {%- else -%}
    cast(_period as integer) as file_year,
    {%- endif %}
    _feed || '/' || _period || '#' || cast(_row as string) as source_ref
from source
where _period not in (select period from blocked)
{% endmacro %}
