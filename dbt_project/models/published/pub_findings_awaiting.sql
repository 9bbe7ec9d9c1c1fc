-- Findings awaiting data, as the console lists them (count and list).
{{ config(alias='findings_awaiting') }}
select
    finding_key,
    exception_type,
    exception_label,
    person_id,
    name,
    township_code,
    person_no,
    event_period,
    missing_count,
    missing_inputs
from {{ ref('findings_awaiting') }}
