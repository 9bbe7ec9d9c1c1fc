-- Who is on a special-group list (政府代缴 eligible) in which year Y (docs/rules.md "Subsidy
-- lists"): 低保 or 特困 在保 in any monthly file of Y; severe disability with 发证日期 in or
-- before Y (the file's year when empty); 计划生育特殊家庭 with 认定年度 ≤ Y.
with years as (
    select distinct contribution_year as year from {{ ref('stg_contributions') }}
    union
    select distinct year(month) from {{ ref('int_roster_months') }}
),

assistance as (
    select person_id, year(file_month) as year, source_ref, feed, period, row_number
    from {{ linked('stg_civil_affairs_assistance') }}
    where assistance_status = '在保'
),

disability as (
    select d.person_id, y.year, d.source_ref, d.feed, d.period, d.row_number
    from {{ linked('stg_disability_severe') }} as d
    inner join years as y on coalesce(year(d.issued_on), d.file_year) <= y.year
    where d.disability_grade in ('一级', '二级')
),

family_planning as (
    select f.person_id, y.year, f.source_ref, f.feed, f.period, f.row_number
    from {{ linked('stg_health_family_planning') }} as f
    inner join years as y on f.recognised_year <= y.year
)

select person_id, year, {{ agg_list('source_ref', ['feed', 'period', 'row_number']) }} as evidence
from (
    select * from assistance
    union all select * from disability
    union all select * from family_planning
) as listed
group by person_id, year
