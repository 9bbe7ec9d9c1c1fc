-- The inspection list for `detention` (see seeds/finding_types.csv).
select * from {{ ref('findings') }} where exception_type = 'detention'
