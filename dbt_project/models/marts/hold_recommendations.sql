-- The roster records each finding says must not be paid, from which month and until which
-- (docs/rules.md "Settlement and recovery"), with the standard reason code handed to the payment
-- system. Death, nationality and other pension: every record of the person from the month
-- after the event, open. Imprisonment: the custodial months, month(C)+1 to month(R), never
-- back-paid. Detention: from the month after 发生日期, open. Uncertified: from T + 1, open.
-- Duplicate enrolment: the extra record only, from the first shared month, open. Types with
-- no reason code (duplicate payment, subsidies, contributions, disbursement gaps) hold nobody.
with findings as (
    select t.*
    from {{ ref('findings') }} as f
    inner join {{ ref('int_findings_triggered') }} as t on t.finding_key = f.finding_key
),

-- The reason code of each finding: a scheme's own code first (other_pension 企业职工 1407).
reasons as (
    select finding_key, reason_code, reason_label
    from (
        select
            f.finding_key, r.reason_code, r.reason_label,
            row_number() over (partition by f.finding_key order by r.scheme is null) as preference
        from findings as f
        inner join {{ ref('suspension_reason_codes') }} as r
            on r.exception_type = f.exception_type and (r.scheme is null or r.scheme = f.detail)
    ) as ranked
    where preference = 1
),

-- A person's records: those on the roster at or before T.
person_records as (
    select distinct r.person_id, r.person_no
    from {{ ref('int_roster_records_identified') }} as r
    inner join {{ ref('int_roster_months') }} as m on m.person_no = r.person_no
    where m.month <= {{ as_of_month() }}
),

holds as (
    select
        f.finding_key,
        f.exception_type,
        f.person_id,
        pr.person_no,
        case f.exception_type
            when 'detention' then f.event_month + interval 1 month
            when 'uncertified' then {{ as_of_month() }} + interval 1 month
            when 'duplicate_enrollment' then f.event_month
            else f.improper_after + interval 1 month
        end as hold_from,
        case when f.exception_type = 'imprisonment' then f.improper_until end as hold_until,
        f.exception_type = 'imprisonment' as custodial
    from findings as f
    inner join person_records as pr
        on pr.person_id = f.person_id
        and (f.exception_type <> 'duplicate_enrollment' or pr.person_no = f.person_no)
)

select
    h.finding_key,
    h.exception_type,
    h.person_id,
    h.person_no,
    r.reason_code,
    r.reason_label,
    {{ month_text('h.hold_from') }} as hold_from,
    {{ month_text('h.hold_until') }} as hold_until,
    h.custodial
from holds as h
inner join reasons as r on r.finding_key = h.finding_key
