-- The open findings and their money, once, for every place a total is shown: per township and
-- finding type, '*' standing for all townships or all types ('' for findings of no township).
-- A record's improper month counts once within a row, however many findings of the person
-- cover it (two overlapping findings never count 2025-08 twice), so the types of a township
-- may add up to more than its all-types row. A finding without improper months (cash,
-- contributions, disbursement gaps) counts its own amount, once.
{{ config(alias='finding_totals') }}
with findings as (
    select
        finding_key,
        exception_type,
        coalesce(township_code, '') as township_code,
        overpaid_amount
    from {{ ref('pub_findings') }}
),

scopes as (
    -- Each finding in the four rows it counts in.
    select finding_key, township_code, exception_type from findings
    union all
    select finding_key, '*', exception_type from findings
    union all
    select finding_key, township_code, '*' from findings
    union all
    select finding_key, '*', '*' from findings
),

record_months as (
    select s.township_code, s.exception_type, m.person_no, m.month, max(m.amount) as amount
    from scopes as s
    inner join {{ ref('pub_finding_months') }} as m on m.finding_key = s.finding_key
    group by s.township_code, s.exception_type, m.person_no, m.month
),

month_money as (
    select township_code, exception_type, sum(amount) as amount
    from record_months
    group by township_code, exception_type
),

fixed_money as (
    select s.township_code, s.exception_type, sum(f.overpaid_amount) as amount
    from scopes as s
    inner join findings as f on f.finding_key = s.finding_key
    where s.finding_key not in (select finding_key from {{ ref('pub_finding_months') }})
    group by s.township_code, s.exception_type
),

counts as (
    select township_code, exception_type, count(*) as findings
    from scopes
    group by township_code, exception_type
)

select
    c.township_code,
    c.exception_type,
    cast(c.findings as integer) as findings,
    cast(coalesce(mm.amount, 0) + coalesce(fm.amount, 0) as decimal(14, 2)) as amount
from counts as c
left join month_money as mm
    on mm.township_code = c.township_code and mm.exception_type = c.exception_type
left join fixed_money as fm
    on fm.township_code = c.township_code and fm.exception_type = c.exception_type
