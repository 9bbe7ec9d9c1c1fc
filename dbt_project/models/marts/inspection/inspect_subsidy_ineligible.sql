-- The inspection list for `subsidy_ineligible` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'subsidy_ineligible'
