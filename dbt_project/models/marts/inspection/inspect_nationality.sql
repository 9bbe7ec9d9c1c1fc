-- The inspection list for `nationality` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'nationality'
