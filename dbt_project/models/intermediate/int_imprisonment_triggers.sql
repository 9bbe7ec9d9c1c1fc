-- 服刑期间领取: a custodial sentence (newest row of its 案号); improper from the month after
-- custody began up to and including the month of release (open while no release date).
-- Every row of the 案号 is behind the finding: exact when any of them linked exactly.
with case_rows as (
    select
        person_id,
        case_no,
        case when bool_or(link = 'exact') then 'exact' else 'fuzzy' end as identity,
        {{ agg_list('source_ref', ['_period', '_row']) }} as evidence
    from {{ linked('stg_court_sentences') }}
    group by person_id, case_no
)

select
    'imprisonment:' || c.person_id || ':' || c.case_no as finding_key,
    'imprisonment' as exception_type,
    c.person_id,
    cast(null as string) as person_no,
    {{ month_text('c.custody_start') }} as event_period,
    cast(date_trunc('month', c.custody_start) as date) as event_month,
    c.custody_start as event_date,
    cast(date_trunc('month', c.custody_start) as date) as improper_after,
    cast(date_trunc('month', c.release_on) as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    coalesce(a.identity, 'fuzzy') as identity,
    cast(null as string) as conflict,
    a.evidence,
    c.case_no || ' ' || c.penalty as detail
from {{ ref('int_court_sentences_current') }} as c
left join case_rows as a on a.person_id = c.person_id and a.case_no = c.case_no
where c.is_custodial
