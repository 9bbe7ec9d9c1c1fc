-- 丧失国籍后领取: police 加入外国国籍 or a township report of 丧失国籍; the earliest date.
with candidates as (
    select person_id, link, feed, period, row_number, source_ref, deregistered_on as event_date, false as stand_in
    from {{ linked('stg_police_deregistrations') }}
    where reason = '加入外国国籍'
    union all
    select person_id, link, feed, period, row_number, source_ref, event_date, false
    from {{ linked('stg_township_reports') }}
    where situation = '丧失国籍'
)

{{ earliest_event_trigger('nationality', 'candidates') }}
