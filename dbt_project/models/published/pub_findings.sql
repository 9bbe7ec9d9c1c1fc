-- The findings as the service shows them: one row per finding. Which case holds it and how far
-- that case has got are the case store's own, so they are not published.
{{ config(alias='findings') }}
select
    finding_key,
    exception_type,
    exception_label,
    person_id,
    id_number,
    name,
    township_code,
    person_no,
    event_period,
    event_date,
    first_improper_month,
    last_improper_month,
    cast(improper_months as integer) as improper_months,
    overpaid_amount,
    identity,
    conflict,
    evidence,
    detail
from {{ ref('findings') }}
