-- 死亡后领取: a death date from any of four sources; the earliest wins (docs/rules.md).
with candidates as (
    select person_id, link, feed, period, row_number, source_ref, death_date as event_date, false as stand_in
    from {{ linked('stg_cdc_deaths') }}
    union all
    select person_id, link, feed, period, row_number, source_ref, death_date, false
    from {{ linked('stg_civil_affairs_cremations') }}
    union all
    select person_id, link, feed, period, row_number, source_ref,
           coalesce(death_date, deregistered_on), death_date is null
    from {{ linked('stg_police_deregistrations') }}
    where reason = '死亡'
    union all
    select person_id, link, feed, period, row_number, source_ref, event_date, false
    from {{ linked('stg_township_reports') }}
    where situation = '死亡'
)

{{ earliest_event_trigger('death', 'candidates') }}
