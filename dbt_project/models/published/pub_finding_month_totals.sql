-- The findings and their money as at the end of each month, for the 稽核情况月报 and the 乡镇问责报告:
-- per month, township and finding type ('*' standing for all townships or all types, '' for
-- findings of no township), the findings whose event falls in or before the month and the
-- improper months up to it. As in pub_finding_totals, a record's improper month counts once
-- within a row, however many findings of the person cover it, so the types may add up to more
-- than the all-types row; a finding without improper months (cash, contributions,
-- disbursement gaps) counts its own amount, once. A row is kept for each month in which
-- something changes (an event or an improper month): a later month reads the latest row
-- before it. At the build's as-of month the figures are those of pub_finding_totals.
{{ config(alias='finding_month_totals') }}
with findings as (
    select
        finding_key,
        exception_type,
        coalesce(township_code, '') as township_code,
        person_id,
        overpaid_amount,
        case
            when event_date is not null then {{ month_text('event_date') }}
            when length(event_period) = 7 then event_period
            else event_period || '-12'
        end as event_month
    from {{ ref('pub_findings') }}
),

months as (
    select event_month as month from findings
    union
    select month from {{ ref('pub_finding_months') }}
),

scopes as (
    -- Each finding in the four rows it counts in.
    select finding_key, township_code, exception_type, person_id, overpaid_amount, event_month from findings
    union all
    select finding_key, '*', exception_type, person_id, overpaid_amount, event_month from findings
    union all
    select finding_key, township_code, '*', person_id, overpaid_amount, event_month from findings
    union all
    select finding_key, '*', '*', person_id, overpaid_amount, event_month from findings
),

as_at as (
    -- Each finding in each month from that of its event on.
    select m.month as as_at, s.*
    from months as m
    inner join scopes as s on s.event_month <= m.month
),

counts as (
    select as_at, township_code, exception_type, count(*) as findings, count(distinct person_id) as persons
    from as_at
    group by as_at, township_code, exception_type
),

record_months as (
    select a.as_at, a.township_code, a.exception_type, m.person_no, m.month, max(m.amount) as amount
    from as_at as a
    inner join {{ ref('pub_finding_months') }} as m on m.finding_key = a.finding_key and m.month <= a.as_at
    group by a.as_at, a.township_code, a.exception_type, m.person_no, m.month
),

month_money as (
    select as_at, township_code, exception_type, count(*) as improper_months, sum(amount) as amount
    from record_months
    group by as_at, township_code, exception_type
),

fixed_money as (
    select as_at, township_code, exception_type, sum(overpaid_amount) as amount
    from as_at
    where finding_key not in (select finding_key from {{ ref('pub_finding_months') }})
    group by as_at, township_code, exception_type
)

select
    c.as_at as month,
    c.township_code,
    c.exception_type,
    cast(c.findings as integer) as findings,
    cast(c.persons as integer) as persons,
    cast(coalesce(mm.improper_months, 0) as integer) as improper_months,
    cast(coalesce(mm.amount, 0) + coalesce(fm.amount, 0) as decimal(14, 2)) as amount
from counts as c
left join month_money as mm
    on mm.as_at = c.as_at and mm.township_code = c.township_code and mm.exception_type = c.exception_type
left join fixed_money as fm
    on fm.as_at = c.as_at and fm.township_code = c.township_code and fm.exception_type = c.exception_type
