-- Every value refused at ingestion, as it arrived, and the department rows whose mistyped ID
-- matched nobody (unresolved_id).
{{ config(alias='feed_quarantine') }}
select feed, period, file_hash, row_number, column_name, header, value, reason
from {{ source('meta', 'quarantine') }}
union all
select feed, period, file_hash, row_number, column_name, cast(null as varchar) as header, value, reason
from {{ ref('unresolved_ids') }}
