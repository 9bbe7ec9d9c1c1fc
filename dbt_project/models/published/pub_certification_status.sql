-- Each recipient on a township's November roster, certified or not in the year, and why not.
{{ config(alias='certification_status') }}
select
    year,
    township_code,
    person_id,
    name,
    id_number,
    person_nos,
    village,
    certified,
    certified_on,
    method,
    reason
from {{ ref('certification_status') }}
