-- 重复参保领取: months in which two or more of one person's records received money; improper
-- on every record but the kept one.
with kept as (
    select * from {{ ref('int_person_records_kept') }} where records > 1
),

receiving as (
    select m.*
    from {{ ref('int_money_by_record_month') }} as m
    inner join kept as k on k.person_id = m.person_id
    where m.received > 0
),

shared as (
    select person_id, for_month
    from receiving
    group by person_id, for_month
    having count(distinct person_no) >= 2
)

select
    'duplicate_enrollment:' || r.person_id || ':' || r.person_no as finding_key,
    r.person_id,
    r.person_no,
    r.for_month,
    r.received as amount,
    r.payment_refs
from receiving as r
inner join shared as s on s.person_id = r.person_id and s.for_month = r.for_month
inner join kept as k on k.person_id = r.person_id
where r.person_no <> k.kept_person_no
