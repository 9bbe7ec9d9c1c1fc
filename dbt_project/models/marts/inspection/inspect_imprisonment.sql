-- The inspection list for `imprisonment` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'imprisonment'
