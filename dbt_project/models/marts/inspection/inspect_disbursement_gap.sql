-- The inspection list for `disbursement_gap` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'disbursement_gap'
