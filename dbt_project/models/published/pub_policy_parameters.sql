-- Policy values, versioned by the date they take effect.
{{ config(alias='policy_parameters') }}
select parameter, effective_from, cast(value as decimal(14, 2)) as value, unit, description
from {{ ref('policy_parameters') }}
