-- The finding types: label, and whether a type has improper months.
{{ config(alias='finding_types') }}
select exception_type, label, has_improper_months, description
from {{ ref('finding_types') }}
