-- The inspection list for `duplicate_enrollment` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'duplicate_enrollment'
