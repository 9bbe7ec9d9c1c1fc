-- 违规收取现金: a contribution registered as collected in cash (article 8 forbids it).
select
    'cash_collection:' || c.person_no || ':' || cast(c.contribution_year as string) || ':'
        || cast(c.registered_on as string) || ':' || cast(c.amount as string) as finding_key,
    'cash_collection' as exception_type,
    r.person_id,
    c.person_no,
    {{ month_text('c.registered_on') }} as event_period,
    cast(date_trunc('month', c.registered_on) as date) as event_month,
    c.registered_on as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(sum(c.amount) as decimal(14, 2)) as fixed_amount,
    'exact' as identity,
    cast(null as string) as conflict,
    {{ agg_list('c.source_ref', ['c._period', 'c._row']) }} as evidence,
    cast(null as string) as detail
from {{ ref('stg_contributions') }} as c
left join {{ ref('int_roster_records_identified') }} as r on r.person_no = c.person_no
where c.channel = '现金'
group by r.person_id, c.person_no, c.contribution_year, c.registered_on, c.amount
