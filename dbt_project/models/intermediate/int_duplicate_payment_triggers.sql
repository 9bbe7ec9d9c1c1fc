select
    finding_key,
    'duplicate_payment' as exception_type,
    any_value(person_id) as person_id,
    person_no,
    {{ month_text('min(for_month)') }} as event_period,
    min(for_month) as event_month,
    min(for_month) as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    'exact' as identity,
    cast(null as string) as conflict,
    {{ list_of() }} as evidence,
    cast(null as string) as detail
from {{ ref('int_duplicate_payment_months') }}
group by finding_key, person_no
