-- The newest row of each 案号 for each person: the row of the latest file period, the last
-- one within that file. A commutation, parole or acquittal arrives as such a newer row.
select
    *,
    penalty in ('拘役', '有期徒刑', '无期徒刑', '死刑缓期二年执行', '死刑')
        and probation is null
        and coalesce(execution, '监内执行') = '监内执行' as is_custodial,
    coalesce(custody_on, term_start, effective_on) as custody_start,
    term_end as release_on
from {{ linked('stg_court_sentences') }}
qualify row_number() over (partition by person_id, case_no order by _period desc, _row desc) = 1
