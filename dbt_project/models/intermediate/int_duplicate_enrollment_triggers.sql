select
    m.finding_key,
    'duplicate_enrollment' as exception_type,
    m.person_id,
    m.person_no,
    {{ month_text('min(m.for_month)') }} as event_period,
    min(m.for_month) as event_month,
    min(m.for_month) as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    -- Whether this really is the same person rests on how the extra record was linked.
    any_value(extra.link) as identity,
    cast(null as string) as conflict,
    {{ list_of(['any_value(kept_record.source_ref)', 'any_value(extra.source_ref)']) }} as evidence,
    '保留记录 ' || any_value(k.kept_person_no) as detail
from {{ ref('int_duplicate_enrollment_months') }} as m
inner join {{ ref('int_person_records_kept') }} as k on k.person_id = m.person_id
inner join {{ ref('int_roster_records_identified') }} as extra on extra.person_no = m.person_no
inner join {{ ref('int_roster_records_identified') }} as kept_record on kept_record.person_no = k.kept_person_no
group by m.finding_key, m.person_id, m.person_no
