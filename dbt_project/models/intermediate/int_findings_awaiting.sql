-- Findings whose decision waits for data: a feed-period its rule reads (seeds/finding_inputs.csv)
-- is due by today and has not arrived (none, failed or held). Windows: `improper_months` the
-- months from the first improper one to the last (at most T); `event_month` and `event_year`
-- months offset from the event's month or from January of its year; `event_to_as_of` the
-- event's month to T; `data_to_as_of` every month from the first roster month to T (findings
-- whose improper months are found in the payments themselves: duplicates); `as_of` months
-- offset from T. Sources that can only move a date earlier
-- are not inputs, so they never hold a finding back.
with as_of as (
    select as_of_month, first_roster_month from {{ ref('int_as_of') }}
),

windows as (
    select
        t.finding_key,
        t.exception_type,
        t.person_id,
        t.person_no,
        t.event_period,
        i.feed,
        case i.input_window
            when 'improper_months' then coalesce({{ add_months('t.improper_after', 1) }}, t.event_month)
            when 'event_month' then {{ add_months('t.event_month', 'cast(i.from_offset as integer)') }}
            when 'event_year' then {{ add_months('make_date(year(t.event_month), 1, 1)', 'cast(i.from_offset as integer)') }}
            when 'event_to_as_of' then t.event_month
            when 'data_to_as_of' then a.first_roster_month
            when 'as_of' then {{ add_months('a.as_of_month', 'cast(i.from_offset as integer)') }}
        end as window_start,
        case i.input_window
            when 'improper_months' then least(coalesce(t.improper_until, a.as_of_month), a.as_of_month)
            when 'event_month' then {{ add_months('t.event_month', 'cast(i.to_offset as integer)') }}
            when 'event_year' then {{ add_months('make_date(year(t.event_month), 1, 1)', 'cast(i.to_offset as integer)') }}
            when 'event_to_as_of' then a.as_of_month
            when 'data_to_as_of' then a.as_of_month
            when 'as_of' then {{ add_months('a.as_of_month', 'cast(i.to_offset as integer)') }}
        end as window_end
    from {{ ref('int_findings_triggered') }} as t
    inner join {{ ref('finding_inputs') }} as i on i.exception_type = t.exception_type
    cross join as_of as a
),

missing as (
    select w.*, p.period, p.due_on, coalesce(p.latest_status, 'missing') as input_status
    from windows as w
    inner join {{ ref('int_feed_periods') }} as p
        on p.feed = w.feed
        and p.period_start <= w.window_end
        and p.period_end >= w.window_start
    where not p.arrived and p.due_on <= {{ bureau_today() }}
)

select
    finding_key,
    any_value(exception_type) as exception_type,
    any_value(person_id) as person_id,
    any_value(person_no) as person_no,
    any_value(event_period) as event_period,
    count(*) as missing_count,
    {{ agg_text("feed || ' ' || period || '（' || input_status || '）'", '、', ['feed', 'period']) }} as missing_inputs
from (select distinct finding_key, exception_type, person_id, person_no, event_period, feed, period, input_status
      from missing) as m
group by finding_key
