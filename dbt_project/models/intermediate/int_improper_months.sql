-- Each finding's improper record-months and the money in them. Date-range findings (death,
-- nationality, other pension, imprisonment) cover every record of the person; duplicate
-- enrolment and duplicate payment bring their own months.
with range_findings as (
    select * from {{ ref('int_findings_triggered') }} where improper_after is not null
)

select
    f.finding_key,
    m.person_no,
    m.for_month,
    m.received as amount,
    m.payment_refs
from range_findings as f
inner join {{ ref('int_money_by_record_month') }} as m on m.person_id = f.person_id
where m.received > 0
    and m.for_month > f.improper_after
    and (f.improper_until is null or m.for_month <= f.improper_until)
    and m.for_month <= {{ as_of_month() }}

union all
select finding_key, person_no, for_month, amount, payment_refs from {{ ref('int_duplicate_enrollment_months') }}

union all
select finding_key, person_no, for_month, amount, payment_refs from {{ ref('int_duplicate_payment_months') }}
