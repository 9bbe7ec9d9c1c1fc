-- Certification (articles 26 and 27) per year and recipient: of the persons 正常待遇 on a
-- township's roster of the close month (certification_close_month, November) of a year, who
-- passed a certification on any of their records from 1 January to the end of that month, and,
-- for those who did not, why as far as the data tells: a death (whenever), custody, a sentence,
-- a loss of nationality or another pension during the year; the last failed certification; a
-- certification after the close; a benefit that started in the year. None of these: 未参加认证.
-- The 资格认证报告书 lists these rows; the accountability year's coverage counts them.
with close as (
    select cast({{ policy('certification_close_month') }} as integer) as close_month
),

base as (
    select
        cast(year(m.month) as integer) as year,
        m.township_code,
        r.person_id,
        min(m.name) as name,
        min(m.id_number) as id_number,
        {{ agg_text('m.person_no', '、', ['m.person_no']) }} as person_nos,
        coalesce(min(m.village), '') as village,
        min(m.benefit_start_month) as benefit_start_month
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
    cross join close as c
    where month(m.month) = c.close_month and m.status = '正常待遇'
    group by cast(year(m.month) as integer), m.township_code, r.person_id
),

bounds as (
    select distinct
        b.year,
        make_date(b.year, 1, 1) as year_start,
        last_day(make_date(b.year, c.close_month, 1)) as close_day,
        make_date(b.year, 12, 31) as year_end
    from base as b
    cross join close as c
),

people as (
    select distinct b.year, b.person_id, y.year_start, y.close_day, y.year_end
    from base as b
    inner join bounds as y on y.year = b.year
),

certifications as (
    select p.year, p.person_id, p.close_day, c.certified_on, coalesce(c.method, '') as method, c.result
    from people as p
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_id = p.person_id
    inner join {{ ref('stg_certifications') }} as c on c.person_no = r.person_no
    where c.certified_on between p.year_start and p.year_end
),

passed as (
    select year, person_id, certified_on, method
    from (
        select *, row_number() over (partition by year, person_id order by certified_on, method) as nth
        from certifications
        where result = '通过' and certified_on <= close_day
    ) as ranked
    where nth = 1
),

failed as (
    select year, person_id, certified_on, method
    from (
        select *, row_number() over (partition by year, person_id order by certified_on desc, method) as nth
        from certifications
        where result <> '通过' and certified_on <= close_day
    ) as ranked
    where nth = 1
),

late as (
    select year, person_id, min(certified_on) as certified_on
    from certifications
    where result = '通过' and certified_on > close_day
    group by year, person_id
),

events as (
    -- The first of each kind of event up to the close; a death counts whenever it was, the
    -- others only within the year.
    select p.year, p.person_id, t.event_type, min(t.event_date) as event_date, min(p.year_start) as year_start
    from people as p
    inner join {{ ref('person_timeline') }} as t on t.person_id = p.person_id
    where t.event_type in ('death', 'nationality_loss', 'custody', 'sentence', 'other_pension')
        and t.event_date <= p.close_day
    group by p.year, p.person_id, t.event_type
),

event_reasons as (
    select
        year,
        person_id,
        {{ agg_text(
            "case event_type when 'death' then '已死亡' when 'nationality_loss' then '丧失国籍'"
            ~ " when 'custody' then '被羁押' when 'sentence' then '被判刑' else '享受其他养老待遇' end"
            ~ " || '（' || " ~ cn_date('event_date') ~ " || '）'",
            '；', ['event_date', 'event_type']) }} as reasons
    from events
    where event_type = 'death' or event_date >= year_start
    group by year, person_id
)

select
    b.year,
    b.township_code,
    b.person_id,
    b.name,
    b.id_number,
    b.person_nos,
    b.village,
    s.person_id is not null as certified,
    s.certified_on,
    s.method,
    case when s.person_id is null then coalesce(nullif(concat_ws('；',
        e.reasons,
        case when f.person_id is not null
             then '认证未通过（' || f.method || '，' || {{ cn_date('f.certified_on') }} || '）' end,
        case when l.person_id is not null
             then '逾期认证（' || {{ cn_date('l.certified_on') }} || '通过）' end,
        case when year(b.benefit_start_month) = b.year
             then '年内新领取待遇（待遇享受年月 ' || {{ cn_month('b.benefit_start_month') }} || '）' end
    ), ''), '未参加认证') end as reason
from base as b
left join passed as s on s.year = b.year and s.person_id = b.person_id
left join failed as f on f.year = b.year and f.person_id = b.person_id
left join late as l on l.year = b.year and l.person_id = b.person_id
left join event_reasons as e on e.year = b.year and e.person_id = b.person_id
