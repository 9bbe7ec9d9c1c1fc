-- The inspection list for `detention` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'detention'
