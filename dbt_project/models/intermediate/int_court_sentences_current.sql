-- The newest row of each 案号 for each person: the row of the latest file period, the last
-- one within that file. A commutation, parole or acquittal arrives as such a newer row.
with rows_of_case as (
    select * from {{ linked('stg_court_sentences') }}
),

newest as (
    select r.person_id, r.case_no, r._period, max(r._row) as _row
    from rows_of_case as r
    inner join (
        select person_id, case_no, max(_period) as _period from rows_of_case group by person_id, case_no
    ) as latest on latest.person_id = r.person_id and latest.case_no = r.case_no and latest._period = r._period
    group by r.person_id, r.case_no, r._period
)

select
    s.*,
    s.penalty in ('拘役', '有期徒刑', '无期徒刑', '死刑缓期二年执行', '死刑')
        and s.probation is null
        and coalesce(s.execution, '监内执行') = '监内执行' as is_custodial,
    coalesce(s.custody_on, s.term_start, s.effective_on) as custody_start,
    s.term_end as release_on
from rows_of_case as s
inner join newest as n
    on n.person_id = s.person_id and n.case_no = s.case_no and n._period = s._period and n._row = s._row
