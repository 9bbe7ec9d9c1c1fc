-- The district's townships by code.
{{ config(alias='townships') }}
select township_code, township_name
from {{ ref('townships') }}
