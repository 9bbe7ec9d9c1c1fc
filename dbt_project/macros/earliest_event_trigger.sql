{#
  A trigger dated by the earliest date any source gives (death, loss of nationality).
  `candidates` has person_id, link, feed, period, row_number, source_ref, event_date and
  stand_in (a police 注销日期 standing in for an empty 死亡日期: it bounds the date but never
  raises a conflict by itself). Sources more than `death_date_conflict_days` apart are a
  conflict, listed for the inspector.
#}
{% macro earliest_event_trigger(exception_type, candidates) %}
select
    '{{ exception_type }}:' || person_id as finding_key,
    '{{ exception_type }}' as exception_type,
    person_id,
    cast(null as string) as person_no,
    {{ month_text('min(event_date)') }} as event_period,
    cast(date_trunc('month', min(event_date)) as date) as event_month,
    min(event_date) as event_date,
    cast(date_trunc('month', min(event_date)) as date) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    case when bool_or(link = 'exact') then 'exact' else 'fuzzy' end as identity,
    case
        when {{ days_between('min(event_date) filter (where not stand_in)',
                             'max(event_date) filter (where not stand_in)') }} > {{ policy('death_date_conflict_days') }}
        then '各来源日期相差'
             || cast({{ days_between('min(event_date) filter (where not stand_in)',
                                     'max(event_date) filter (where not stand_in)') }} as string)
             || '天：' || {{ agg_text("feed || ' ' || cast(event_date as string)", '；', ['event_date', 'feed']) }}
    end as conflict,
    {{ agg_list('source_ref', ['feed', 'period', 'row_number']) }} as evidence,
    cast(null as string) as detail
from {{ candidates }}
group by person_id
{% endmacro %}

{# Rows of a staging model joined to the crosswalk: only rows linked to a person. #}
{% macro linked(stg) -%}
(select s.*, x.person_id, x.link, x.feed, x.period, x.row_number
 from {{ ref(stg) }} as s
 inner join {{ ref('int_source_records_linked') }} as x on x.source_ref = s.source_ref
 where x.link in ('exact', 'fuzzy'))
{%- endmacro %}
