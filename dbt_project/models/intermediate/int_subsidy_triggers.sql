-- 代缴资格不符 and 应代缴未代缴, for finished years only (T is December of Y or later).
with as_of as (
    select as_of_month from {{ ref('int_as_of') }}
),

contributions as (
    select c.*, r.person_id
    from {{ ref('stg_contributions') }} as c
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = c.person_no
    where make_date(c.contribution_year, 12, 1) <= (select as_of_month from as_of)
),

lists as (
    select * from {{ ref('int_special_group_years') }}
),

paid_by_government as (
    select person_id, contribution_year as year, sum(amount) as amount,
           {{ agg_list('source_ref', ['_period', '_row']) }} as evidence
    from contributions
    where channel = '政府代缴'
    group by person_id, contribution_year
),

contributing_in_december as (
    select r.person_id, year(m.month) as year, min(m.source_ref) as source_ref
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
    where m.status = '参保缴费' and month(m.month) = 12 and m.month <= (select as_of_month from as_of)
    group by r.person_id, year(m.month)
)

select
    'subsidy_ineligible:' || g.person_id || ':' || cast(g.year as string) as finding_key,
    'subsidy_ineligible' as exception_type,
    g.person_id,
    cast(null as string) as person_no,
    cast(g.year as string) as event_period,
    make_date(g.year, 1, 1) as event_month,
    make_date(g.year, 12, 31) as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(g.amount as decimal(14, 2)) as fixed_amount,
    'exact' as identity,
    cast(null as string) as conflict,
    g.evidence,
    cast(null as string) as detail
from paid_by_government as g
left join lists as l on l.person_id = g.person_id and l.year = g.year
where l.person_id is null

union all

select
    'subsidy_missed:' || d.person_id || ':' || cast(d.year as string),
    'subsidy_missed',
    d.person_id,
    cast(null as string),
    cast(d.year as string),
    make_date(d.year, 1, 1),
    make_date(d.year, 12, 31),
    cast(null as date),
    cast(null as date),
    cast(null as decimal(14, 2)),
    'exact',
    cast(null as string),
    {{ list_concat('l.evidence', list_of(['d.source_ref'])) }},
    cast(null as string)
from contributing_in_december as d
inner join lists as l on l.person_id = d.person_id and l.year = d.year
left join paid_by_government as g on g.person_id = d.person_id and g.year = d.year
where g.person_id is null
