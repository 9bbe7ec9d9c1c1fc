-- Values that could not be read in columns no rule reads, of the loaded file versions: the row
-- loaded with the cell empty; the value is kept exactly as it arrived (meta.value_issues).
{{ config(alias='value_issues') }}
select v.feed, v.period, v.file_hash, v.row_number, v.column_name, v.header, v.value, v.reason
from {{ source('meta', 'value_issues') }} as v
where v.file_hash in (select file_hash from {{ source('meta', 'file_log') }} where status = 'loaded')
