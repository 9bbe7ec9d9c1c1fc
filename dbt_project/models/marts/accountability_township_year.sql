-- Township accountability per township and year (articles 26 and 31): recipients, events
-- and how they were reported, the money of findings whose event falls in the year (each
-- record and month counted once) and what late or missed reports cost, certification
-- coverage at the certification close (certification_status). Events awaiting data are
-- counted apart (awaiting), never as missed; while any is, the on-time rate is not given.
with roster as (
    select m.*, r.person_id
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
),

years as (
    select distinct cast(year(month) as bigint) as year, max(month) over (partition by year(month)) as last_month
    from roster
),

recipients as (
    -- Persons 正常待遇 on the township's December roster (the year's latest roster until then).
    select y.year, r.township_code, count(distinct r.person_id) as recipients
    from years as y
    inner join roster as r on r.month = y.last_month and r.status = '正常待遇'
    group by y.year, r.township_code
),

coverage as (
    -- Article 26: the share of the November recipients certified by the close (the rule is
    -- certification_status's, which the 资格认证报告书 lists person by person).
    select year, township_code,
           cast(count(*) filter (where certified) as double) / count(*) as certification_coverage
    from {{ ref('certification_status') }}
    group by year, township_code
),

events as (
    select year(event_month) as year, township_code,
           {{ report_status_counts() }},
           sum(attributable_loss) as attributable_loss
    from {{ ref('accountability_events') }}
    group by all
),

waiting as (
    -- The feed-periods the year's awaiting events wait for (each month's once).
    select year, township_code, {{ agg_text('awaiting_inputs', '、', ['awaiting_inputs']) }} as awaiting_inputs
    from (
        select distinct year(event_month) as year, township_code, awaiting_inputs
        from {{ ref('accountability_events') }}
        where report_status = 'awaiting'
    ) as months
    group by year, township_code
),

money as (
    -- Each record and month once, whatever number of findings cover it.
    select year, township_code, count(*) as improper_months, sum(amount) as overpaid_amount
    from (
        select distinct year(f.event_month) as year, f.township_code, m.person_no, m.for_month, m.amount
        from {{ ref('findings') }} as f
        inner join {{ ref('int_improper_months') }} as m on m.finding_key = f.finding_key
        where f.township_code is not null
    ) as record_months
    group by year, township_code
)

select
    t.township_code,
    t.township_name,
    y.year,
    coalesce(r.recipients, 0) as recipients,
    coalesce(e.events, 0) as events,
    coalesce(e.on_time, 0) as on_time,
    coalesce(e.late, 0) as late,
    coalesce(e.missed, 0) as missed,
    coalesce(e.pending, 0) as pending,
    coalesce(e.awaiting, 0) as awaiting,
    w.awaiting_inputs,
    {{ on_time_rate('e') }} as on_time_rate,
    cast(coalesce(e.attributable_loss, 0) as decimal(14, 2)) as attributable_loss,
    coalesce(m.improper_months, 0) as improper_months,
    cast(coalesce(m.overpaid_amount, 0) as decimal(14, 2)) as overpaid_amount,
    round(c.certification_coverage, 4) as certification_coverage,
    cast(rank() over (partition by y.year order by coalesce(e.attributable_loss, 0) desc,
                      {{ on_time_rate('e', rounded=false) }} asc nulls last)
         as bigint) as loss_rank
from {{ ref('townships') }} as t
cross join (select distinct year from years) as y
left join recipients as r on r.township_code = t.township_code and r.year = y.year
left join events as e on e.township_code = t.township_code and e.year = y.year
left join waiting as w on w.township_code = t.township_code and w.year = y.year
left join money as m on m.township_code = t.township_code and m.year = y.year
left join coverage as c on c.township_code = t.township_code and c.year = y.year
