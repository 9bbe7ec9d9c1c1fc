-- 服刑期间领取: a custodial sentence (newest row of its 案号); improper from the month after
-- custody began up to and including the month of release (open while no release date).
select
    'imprisonment:' || c.person_id || ':' || c.case_no as finding_key,
    'imprisonment' as exception_type,
    c.person_id,
    cast(null as varchar) as person_no,
    {{ month_text('c.custody_start') }} as event_period,
    cast(date_trunc('month', c.custody_start) as date) as event_month,
    c.custody_start as event_date,
    cast(date_trunc('month', c.custody_start) as date) as improper_after,
    cast(date_trunc('month', c.release_on) as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    c.link as identity,
    cast(null as varchar) as conflict,
    (select list(a.source_ref order by a._period, a._row)
     from {{ linked('stg_court_sentences') }} as a
     where a.person_id = c.person_id and a.case_no = c.case_no) as evidence,
    c.case_no || ' ' || c.penalty as detail
from {{ ref('int_court_sentences_current') }} as c
where c.is_custodial
