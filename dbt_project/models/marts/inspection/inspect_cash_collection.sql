-- The inspection list for `cash_collection` (see seeds/finding_types.csv).
select * from {{ ref('findings_decided') }} where exception_type = 'cash_collection'
