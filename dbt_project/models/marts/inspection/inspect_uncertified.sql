-- The inspection list for `uncertified` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'uncertified'
