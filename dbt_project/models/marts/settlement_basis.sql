-- What settling a death, nationality or other-pension finding offsets against (articles 20,
-- 28): the personal account balance, and its 个人缴费部分, over the person's records on the
-- roster of the event month (the person's latest roster before it when that month's roster
-- does not list them; 0 when none does); whether the person was receiving then; and, for a
-- death, whether it fell within a custodial sentence (44号: only the 个人缴费部分 goes to the
-- heirs and no funeral subsidy is due).
with findings as (
    select t.finding_key, t.exception_type, t.person_id, t.event_month, t.event_date
    from {{ ref('findings') }} as f
    inner join {{ ref('int_findings_triggered') }} as t on t.finding_key = f.finding_key
    where t.exception_type in ('death', 'nationality', 'other_pension')
),

roster as (
    select r.person_id, m.person_no, m.month, m.status, m.account_balance, m.own_contribution_balance
    from {{ ref('int_roster_months') }} as m
    inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
),

balance_roster as (
    select f.finding_key, max(ro.month) as roster_month
    from findings as f
    inner join roster as ro on ro.person_id = f.person_id and ro.month <= f.event_month
    group by f.finding_key
),

balances as (
    select
        b.finding_key,
        b.roster_month,
        sum(ro.account_balance) as account_balance,
        sum(ro.own_contribution_balance) as own_contribution_balance,
        bool_or(ro.status = '正常待遇') as receiving
    from balance_roster as b
    inner join findings as f on f.finding_key = b.finding_key
    inner join roster as ro on ro.person_id = f.person_id and ro.month = b.roster_month
    group by b.finding_key, b.roster_month
),

died_in_custody as (
    select distinct f.finding_key
    from findings as f
    inner join {{ ref('int_court_sentences_current') }} as c on c.person_id = f.person_id
    where f.exception_type = 'death'
        and c.is_custodial
        and f.event_date >= c.custody_start
        and (c.release_on is null or f.event_date <= c.release_on)
)

select
    f.finding_key,
    f.exception_type,
    f.person_id,
    {{ month_text('f.event_month') }} as balance_month,
    {{ month_text('b.roster_month') }} as roster_month,
    cast(coalesce(b.account_balance, 0) as decimal(14, 2)) as account_balance,
    cast(coalesce(b.own_contribution_balance, 0) as decimal(14, 2)) as own_contribution_balance,
    coalesce(b.receiving, false) as receiving_at_event,
    d.finding_key is not null as died_in_custody
from findings as f
left join balances as b on b.finding_key = f.finding_key
left join died_in_custody as d on d.finding_key = f.finding_key
