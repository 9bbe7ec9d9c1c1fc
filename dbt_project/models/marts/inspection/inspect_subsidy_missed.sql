-- The inspection list for `subsidy_missed` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'subsidy_missed'
