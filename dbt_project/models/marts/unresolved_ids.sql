-- Department rows whose ID has a wrong check digit and that no roster person matches by
-- name and a single typo: quarantined as `unresolved_id` (docs/rules.md). `pension-audit
-- quarantine` lists them beside the rows refused at ingestion.
select
    x.feed,
    x.period,
    x.file_hash,
    x.row_number,
    'id_number' as column_name,
    x.id_number as value,
    'unresolved_id' as reason,
    x.source_ref
from {{ ref('int_source_records_linked') }} as x
where x.link = 'unresolved'
