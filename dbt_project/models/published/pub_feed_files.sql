-- Every file version the loader ever saw, and what became of it (the data engineer's file log).
{{ config(alias='feed_files') }}
select
    feed,
    period,
    path,
    file_hash,
    status,
    encoding,
    rows_read,
    rows_loaded,
    rows_quarantined,
    reason,
    message,
    ingested_at,
    replaced_at
from {{ source('meta', 'file_log') }}
