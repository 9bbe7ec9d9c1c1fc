-- Every period each feed with a due date owes, from where the district's data starts (the var
-- `data_start`, else the earliest period of the file log for the feed's cadence) to today, with
-- its due date (seeds/feed_due_dates.csv, the version in force at the period's start) and
-- whether it has arrived: a version loaded or released. A failed or held file, or none, has not.
with due as (
    select feed, cadence, cast(due_days as integer) as due_days, valid_from
    from {{ ref('feed_due_dates') }}
    where due_days is not null
),

log as (
    select feed, period, status, reason, message, ingested_at
    from {{ source('meta', 'file_log') }}
    where feed is not null and period is not null
),

first_periods as (
    select
        coalesce({{ data_start() }},
                 min(case when length(l.period) = 7 then cast(l.period || '-01' as date) end)) as first_month,
        coalesce(cast(date_trunc('year', {{ data_start() }}) as date),
                 min(case when length(l.period) = 4 then cast(l.period || '-01-01' as date) end)) as first_year
    from log as l
    inner join due as d on d.feed = l.feed
),

months as (
    {{ month_starts('(select least(first_month, first_year) from first_periods)', bureau_today()) }}
),

periods as (
    select d.feed, d.cadence, m.period_start
    from (select distinct feed, cadence from due) as d
    cross join months as m
    cross join first_periods as f
    where (d.cadence = 'month' and m.period_start >= f.first_month)
       or (d.cadence = 'year' and month(m.period_start) = 1 and m.period_start >= f.first_year)
),

versioned as (
    select
        p.feed,
        p.cadence,
        case when p.cadence = 'month' then {{ month_text('p.period_start') }}
             else cast(year(p.period_start) as string) end as period,
        p.period_start,
        case when p.cadence = 'month' then {{ add_days(add_months('p.period_start', 1), -1) }}
             else make_date(year(p.period_start), 12, 31) end as period_end,
        d.due_days,
        row_number() over (partition by p.feed, p.period_start order by d.valid_from desc) as newest
    from periods as p
    inner join due as d on d.feed = p.feed and d.valid_from <= p.period_start
),

arrived as (
    select distinct feed, period from log where status in ('loaded', 'released')
),

latest_file as (
    select feed, period, status, reason, message
    from (
        select *, row_number() over (partition by feed, period order by ingested_at desc) as newest
        from log
    ) as ranked
    where newest = 1
)

select
    v.feed,
    v.cadence,
    v.period,
    v.period_start,
    v.period_end,
    {{ add_days('v.period_end', 'v.due_days') }} as due_on,
    a.feed is not null as arrived,
    f.status as latest_status,
    f.reason as latest_reason,
    f.message as latest_message
from versioned as v
left join arrived as a on a.feed = v.feed and a.period = v.period
left join latest_file as f on f.feed = v.feed and f.period = v.period
where v.newest = 1
