-- 羁押待核实: a township reports a detention and no court row for the person has yet taken
-- effect on or after that date. Pay stops while detained; no months are counted yet.
with reports as (
    select * from {{ linked('stg_township_reports') }} where situation = '羁押'
),

judged as (
    select distinct r.person_id, r.event_date
    from reports as r
    inner join {{ linked('stg_court_sentences') }} as c
        on c.person_id = r.person_id and c.effective_on >= r.event_date
)

select
    'detention:' || r.person_id || ':' || cast(r.event_date as string) as finding_key,
    'detention' as exception_type,
    r.person_id,
    cast(null as string) as person_no,
    {{ month_text('r.event_date') }} as event_period,
    cast(date_trunc('month', r.event_date) as date) as event_month,
    r.event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    case when bool_or(r.link = 'exact') then 'exact' else 'fuzzy' end as identity,
    cast(null as string) as conflict,
    {{ agg_list('r.source_ref', ['r.feed', 'r.period', 'r.row_number']) }} as evidence,
    cast(null as string) as detail
from reports as r
where not exists (select 1 from judged as j where j.person_id = r.person_id and j.event_date = r.event_date)
group by r.person_id, r.event_date
