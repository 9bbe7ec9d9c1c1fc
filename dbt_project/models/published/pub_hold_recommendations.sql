-- The records each finding says must not be paid, from which month until which, and why.
{{ config(alias='hold_recommendations') }}
select finding_key, person_no, reason_code, reason_label, hold_from, hold_until, custodial
from {{ ref('hold_recommendations') }}
where finding_key in (select finding_key from {{ ref('findings') }})
