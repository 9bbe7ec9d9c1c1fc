-- Township accountability per township and month of the event (article 31), ranked within
-- the month as the year is: by attributable loss, then by on-time rate (lowest first).
-- Events awaiting data (a township report of their window due and not arrived) are counted
-- apart, never as missed; while any is, the on-time rate is not given (待数据) and
-- awaiting_inputs names the feed-periods the month waits for.
with events as (
    select * from {{ ref('accountability_events') }}
),

months as (
    select distinct month from {{ ref('int_roster_months') }}
),

counted as (
    select
        t.township_code,
        t.township_name,
        m.month,
        {{ report_status_counts('e') }},
        -- an event's window is its month's: every awaiting event of the month waits for the same
        max(e.awaiting_inputs) as awaiting_inputs,
        cast(coalesce(sum(e.attributable_loss), 0) as decimal(14, 2)) as attributable_loss
    from {{ ref('townships') }} as t
    cross join months as m
    left join events as e on e.township_code = t.township_code and e.event_month = m.month
    group by t.township_code, t.township_name, m.month
)

select
    township_code,
    township_name,
    month,
    events,
    on_time,
    late,
    missed,
    pending,
    awaiting,
    awaiting_inputs,
    attributable_loss,
    {{ on_time_rate() }} as on_time_rate,
    cast(rank() over (partition by month order by attributable_loss desc,
                      {{ on_time_rate(rounded=false) }} asc nulls last)
         as bigint) as loss_rank
from counted
