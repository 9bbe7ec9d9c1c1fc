-- 未按期认证 (articles 26–27): the certification year Y* closes on 30 November. A person is
-- uncertified for Y* when receiving at T, receiving on the November roster of Y*, and with
-- no 通过 certification on any record from 1 January of Y* to the end of T. A benefit that
-- started in Y* counts as a certification.
with as_of as (
    select
        as_of_month,
        case when month(as_of_month) >= {{ policy('certification_close_month') }}
             then year(as_of_month) else year(as_of_month) - 1 end as cert_year
    from {{ ref('int_as_of') }}
),

roster as (
    select m.*, r.person_id
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
),

receiving_at_t as (
    select person_id, min(source_ref) as source_ref
    from roster where status = '正常待遇' and month = (select as_of_month from as_of)
    group by person_id
),

receiving_in_november as (
    select person_id, min(source_ref) as source_ref
    from roster
    where status = '正常待遇'
        and month = make_date((select cert_year from as_of), cast({{ policy('certification_close_month') }} as integer), 1)
    group by person_id
),

certified as (
    select distinct r.person_id
    from {{ ref('stg_certifications') }} as c
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = c.person_no
    where c.result = '通过'
        and c.certified_on >= make_date((select cert_year from as_of), 1, 1)
        and c.certified_on < (select as_of_month from as_of) + interval 1 month
),

started_in_year as (
    select distinct person_id from roster where year(benefit_start_month) = (select cert_year from as_of)
)

select
    'uncertified:' || t.person_id || ':' || cast((select cert_year from as_of) as string) as finding_key,
    'uncertified' as exception_type,
    t.person_id,
    cast(null as string) as person_no,
    cast((select cert_year from as_of) as string) as event_period,
    make_date((select cert_year from as_of), 1, 1) as event_month,
    make_date((select cert_year from as_of), 11, 30) as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    'exact' as identity,
    cast(null as string) as conflict,
    {{ list_of(['n.source_ref', 't.source_ref']) }} as evidence,
    cast(null as string) as detail
from receiving_at_t as t
inner join receiving_in_november as n on n.person_id = t.person_id
where t.person_id not in (select person_id from certified)
    and t.person_id not in (select person_id from started_in_year)
