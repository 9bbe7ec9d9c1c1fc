-- The district's line under the township accountability tables (the 合计 of the 乡镇问责报告),
-- computed here once rather than added up from the townships' rows: per year ('YYYY') and per
-- month of the event ('YYYY-MM'), over the district's townships. Recipients are persons, once
-- however many townships' rosters hold them; each record and month of improper payment counts
-- once, whatever number of findings or townships cover it; the on-time rate and certification
-- coverage are the district's own shares, not an average of the townships'. An event awaiting
-- data (a late township report) is counted apart, and while one waits no rate is given.
{{ config(alias='accountability_totals') }}
with townships as (
    select township_code from {{ ref('townships') }}
),

roster as (
    select m.month, m.status, m.township_code, r.person_id
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
    where m.township_code in (select township_code from townships)
),

years as (
    select year(month) as year, max(month) as last_month
    from roster
    group by year(month)
),

recipients as (
    select y.year, count(distinct r.person_id) as recipients
    from years as y
    inner join roster as r on r.month = y.last_month and r.status = '正常待遇'
    group by y.year
),

coverage as (
    select year, cast(count(*) filter (where certified) as double) / count(*) as certification_coverage
    from {{ ref('certification_status') }}
    where township_code in (select township_code from townships)
    group by year
),

events as (
    select * from {{ ref('accountability_events') }}
    where township_code in (select township_code from townships)
),

money as (
    select year, count(*) as improper_months, sum(amount) as overpaid_amount
    from (
        select distinct year(f.event_month) as year, m.person_no, m.for_month, m.amount
        from {{ ref('findings') }} as f
        inner join {{ ref('int_improper_months') }} as m on m.finding_key = f.finding_key
        where f.township_code in (select township_code from townships)
    ) as record_months
    group by year
),

by_year as (
    select
        y.year,
        {{ report_status_counts('e') }},
        coalesce(sum(e.attributable_loss), 0) as attributable_loss
    from years as y
    left join events as e on year(e.event_month) = y.year
    group by y.year
),

by_month as (
    select
        m.month,
        {{ report_status_counts('e') }},
        coalesce(sum(e.attributable_loss), 0) as attributable_loss
    from (select distinct month from {{ ref('int_roster_months') }}) as m
    left join events as e on e.event_month = m.month
    group by m.month
)

select
    cast(b.year as varchar) as period,
    cast(r.recipients as integer) as recipients,
    cast(b.events as integer) as events,
    cast(b.on_time as integer) as on_time,
    cast(b.late as integer) as late,
    cast(b.missed as integer) as missed,
    cast(b.pending as integer) as pending,
    cast(b.awaiting as integer) as awaiting,
    -- No rate while an event awaits its data (a township report of its window is late).
    cast({{ on_time_rate('b') }} as decimal(6, 4)) as on_time_rate,
    cast(b.attributable_loss as decimal(14, 2)) as attributable_loss,
    cast(coalesce(mo.improper_months, 0) as integer) as improper_months,
    cast(coalesce(mo.overpaid_amount, 0) as decimal(14, 2)) as overpaid_amount,
    cast(round(c.certification_coverage, 4) as decimal(6, 4)) as certification_coverage
from by_year as b
left join recipients as r on r.year = b.year
left join money as mo on mo.year = b.year
left join coverage as c on c.year = b.year
union all
select
    {{ month_text('month') }},
    cast(null as integer),
    cast(events as integer),
    cast(on_time as integer),
    cast(late as integer),
    cast(missed as integer),
    cast(pending as integer),
    cast(awaiting as integer),
    cast({{ on_time_rate() }} as decimal(6, 4)),
    cast(attributable_loss as decimal(14, 2)),
    cast(null as integer),
    cast(null as decimal(14, 2)),
    cast(null as decimal(6, 4))
from by_month
