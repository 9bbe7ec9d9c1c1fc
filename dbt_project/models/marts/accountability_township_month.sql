-- Township accountability per township and month of the event (article 31).
with events as (
    select * from {{ ref('accountability_events') }}
),

months as (
    select distinct month from {{ ref('int_roster_months') }}
)

select
    t.township_code,
    t.township_name,
    m.month,
    count(e.finding_key) filter (where e.report_status in ('on_time', 'late', 'missed')) as events,
    count(e.finding_key) filter (where e.report_status = 'on_time') as on_time,
    count(e.finding_key) filter (where e.report_status = 'late') as late,
    count(e.finding_key) filter (where e.report_status = 'missed') as missed,
    count(e.finding_key) filter (where e.report_status = 'pending') as pending,
    cast(coalesce(sum(e.attributable_loss), 0) as decimal(14, 2)) as attributable_loss
from {{ ref('townships') }} as t
cross join months as m
left join events as e on e.township_code = t.township_code and e.event_month = m.month
group by t.township_code, t.township_name, m.month
