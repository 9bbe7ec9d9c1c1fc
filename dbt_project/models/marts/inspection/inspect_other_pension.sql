-- The inspection list for `other_pension` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'other_pension'
