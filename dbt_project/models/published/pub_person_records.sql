-- Every roster record (个人编号) of a person with findings, as on its latest roster up to T.
{{ config(alias='person_records') }}
with finding_persons as (
    select distinct person_id from {{ ref('findings') }} where person_id is not null
),

latest as (
    select
        r.person_no,
        r.person_id,
        m.name,
        m.id_number,
        m.township_code,
        m.status,
        m.month,
        m.basic_pension,
        m.account_pension,
        m.account_balance,
        coalesce(r.person_no = p.kept_person_no, true) as kept,
        row_number() over (partition by r.person_no order by m.month desc) as newest
    from {{ ref('int_roster_records_identified') }} as r
    inner join finding_persons as f on f.person_id = r.person_id
    inner join {{ ref('int_roster_months') }} as m on m.person_no = r.person_no
    left join {{ ref('persons') }} as p on p.person_id = r.person_id
    where m.month <= {{ as_of_month() }}
)

select
    person_no,
    person_id,
    name,
    id_number,
    township_code,
    status,
    {{ month_text('month') }} as roster_month,
    basic_pension,
    account_pension,
    account_balance,
    kept
from latest
where newest = 1
