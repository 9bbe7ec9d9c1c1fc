-- The inspection list for `death` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'death'
