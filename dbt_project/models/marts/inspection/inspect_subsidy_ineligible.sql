-- The inspection list for `subsidy_ineligible` (see seeds/finding_types.csv).
select * from {{ ref('findings') }} where exception_type = 'subsidy_ineligible'
