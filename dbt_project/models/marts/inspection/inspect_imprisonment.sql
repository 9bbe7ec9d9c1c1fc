-- The inspection list for `imprisonment` (see seeds/finding_types.csv).
select * from {{ ref('findings') }} where exception_type = 'imprisonment'
