-- The inspection list for `contribution_unmatched` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'contribution_unmatched'
