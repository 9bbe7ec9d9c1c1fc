-- Every life event of every person, with the source row it came from: deaths and
-- cremations, deregistrations, custody and sentences (with commutations and acquittals),
-- loss of nationality, other pensions, special-group membership, certifications and
-- military service (on the timeline only; no finding uses them yet).
with court as (
    select
        *,
        lag(term_end) over (partition by person_id, case_no order by _period, _row) as previous_term_end,
        row_number() over (partition by person_id, case_no order by _period, _row) as revision
    from {{ linked('stg_court_sentences') }}
),

events as (
    select person_id, 'death' as event_type, death_date as event_date, '疾控死亡登记' as detail,
           feed, period, row_number, source_ref, link
    from {{ linked('stg_cdc_deaths') }}
    union all
    select person_id, 'death', death_date, '火化记录', feed, period, row_number, source_ref, link
    from {{ linked('stg_civil_affairs_cremations') }}
    union all
    select person_id, 'cremation', cremated_on, coalesce(funeral_home, '火化'), feed, period, row_number, source_ref, link
    from {{ linked('stg_civil_affairs_cremations') }}
    where cremated_on is not null
    union all
    select person_id,
           case reason when '死亡' then 'deregistration_death' when '加入外国国籍' then 'nationality_loss'
                       when '服现役' then 'military_service' else 'deregistration' end,
           deregistered_on,
           '户籍注销：' || reason || coalesce('（死亡日期 ' || cast(death_date as string) || '）', ''),
           feed, period, row_number, source_ref, link
    from {{ linked('stg_police_deregistrations') }}
    union all
    select person_id,
           case situation when '死亡' then 'death' when '羁押' then 'custody' when '判刑' then 'sentence'
                          when '丧失国籍' then 'nationality_loss' else 'other_pension' end,
           event_date, '乡镇上报：' || situation, feed, period, row_number, source_ref, link
    from {{ linked('stg_township_reports') }}
    union all
    select person_id,
           case when revision = 1 then 'sentence'
                when penalty = '无罪' then 'acquittal'
                when term_end < previous_term_end then 'commutation'
                else 'sentence_revision' end,
           coalesce(custody_on, term_start, effective_on),
           case_no || ' ' || penalty || coalesce(' ' || term, '') || coalesce(' 缓刑' || probation, '')
               || coalesce(' ' || execution, '') || coalesce(' 至 ' || cast(term_end as string), ''),
           feed, period, row_number, source_ref, link
    from court
    union all
    select person_id, 'custody', custody_on, case_no || ' 羁押', feed, period, row_number, source_ref, link
    from court
    where custody_on is not null and revision = 1
    union all
    select person_id, 'other_pension', start_month, scheme || coalesce('（' || insured_place || '）', ''),
           feed, period, row_number, source_ref, link
    from {{ linked('stg_other_pensions') }}
    union all
    select person_id, 'special_group', file_month, category || ' ' || assistance_status, feed, period, row_number, source_ref, link
    from {{ linked('stg_civil_affairs_assistance') }}
    union all
    select person_id, 'special_group', coalesce(issued_on, make_date(file_year, 1, 1)), '重度残疾 ' || disability_grade,
           feed, period, row_number, source_ref, link
    from {{ linked('stg_disability_severe') }}
    union all
    select person_id, 'special_group', make_date(recognised_year, 1, 1), '计划生育特殊家庭 ' || family_category,
           feed, period, row_number, source_ref, link
    from {{ linked('stg_health_family_planning') }}
    union all
    select person_id, 'military_discharge', discharged_on, '退役' || coalesce(' ' || discharge_type, ''),
           feed, period, row_number, source_ref, link
    from {{ linked('stg_veterans_retired') }}
    union all
    select person_id, 'military_service', enlisted_on, '服兵役 ' || service_status, feed, period, row_number, source_ref, link
    from {{ linked('stg_armed_forces_service') }}
    union all
    select r.person_id, 'certification', c.certified_on, c.result || coalesce(' ' || c.method, ''),
           'certifications', c._period, c._row, c.source_ref, 'exact'
    from {{ ref('stg_certifications') }} as c
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = c.person_no
)

select
    person_id,
    event_type,
    event_date,
    detail,
    feed,
    period,
    row_number,
    source_ref,
    link
from events
where event_date is not null
