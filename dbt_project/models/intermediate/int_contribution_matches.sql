-- Matching 缴费登记 with 税务入库 (docs/rules.md "Contribution matching"). A registration matches
-- a receipt of the same person, 缴费年度 = 费款所属期 and amount, booked from the first day of
-- the second month before the registration's month to the last day of the second month
-- after it. Registrations, in 登记日期 order, each take the earliest eligible unmatched
-- receipt. Windows move forward with the registration date, so "earliest unmatched" is
-- always the next receipt after the last one taken (or after the window start): the walk
-- (macro contribution_walk) carries only that pointer.
with

registrations as (
    select
        c.source_ref, c._period, c._row, c.person_no, r.person_id,
        c.contribution_year, c.amount, c.registered_on,
        {{ add_months("cast(date_trunc('month', c.registered_on) as date)", -2) }} as window_start,
        cast({{ add_months("cast(date_trunc('month', c.registered_on) as date)", 3) }} - interval 1 day as date) as window_end,
        coalesce(r.person_id, 'PN' || c.person_no) || '|' || cast(c.contribution_year as string)
            || '|' || cast(c.amount as string) as group_key
    from {{ ref('stg_contributions') }} as c
    left join {{ ref('int_roster_records_identified') }} as r on r.person_no = c.person_no
),

receipts as (
    select
        -- A payer who is nobody on the roster is named by the receipt's ID.
        t.source_ref, t._period, t._row, t.receipt_no, t.id_number, coalesce(x.person_id, t.id_number) as person_id,
        case when x.link in ('exact', 'fuzzy') then x.link end as link,
        t.contribution_year, t.amount, t.booked_on,
        coalesce(x.person_id, t.id_number) || '|' || cast(t.contribution_year as string)
            || '|' || cast(t.amount as string) as group_key
    from {{ ref('stg_tax_receipts') }} as t
    left join {{ ref('int_source_records_linked') }} as x on x.source_ref = t.source_ref
    -- A mistyped ID that links to nobody is quarantined (unresolved_id): no receipt to match.
    where x.link is distinct from 'unresolved'
),

regs as (
    select *, row_number() over (partition by group_key order by registered_on, _period, _row) as n
    from registrations
),

recs as (
    select *, row_number() over (partition by group_key order by booked_on, receipt_no, _period, _row) as idx
    from receipts
),

first_from_window_start as (
    select r.group_key, r.n, min(c.idx) as first_idx
    from regs as r
    inner join recs as c on c.group_key = r.group_key and c.booked_on >= r.window_start
    group by r.group_key, r.n
),

last_by_window_end as (
    select r.group_key, r.n, max(c.idx) as last_idx
    from regs as r
    inner join recs as c on c.group_key = r.group_key and c.booked_on <= r.window_end
    group by r.group_key, r.n
),

steps as (
    select r.group_key, r.n, f.first_idx, l.last_idx
    from regs as r
    left join first_from_window_start as f on f.group_key = r.group_key and f.n = r.n
    left join last_by_window_end as l on l.group_key = r.group_key and l.n = r.n
),

walk as (
    {{ contribution_walk('steps') }}
)

select
    'registration' as side,
    r.source_ref, r.person_id, r.person_no, cast(null as string) as receipt_no, cast(null as string) as id_number,
    'exact' as link, r.contribution_year, r.amount,
    r.registered_on as dated_on, matched.source_ref as matched_ref
from regs as r
left join walk as w on w.group_key = r.group_key and w.n = r.n
left join recs as matched on matched.group_key = r.group_key and matched.idx = w.taken

union all

select
    'receipt',
    c.source_ref, c.person_id, cast(null as string), c.receipt_no, c.id_number,
    coalesce(c.link, 'exact'), c.contribution_year, c.amount,
    c.booked_on, r.source_ref
from recs as c
left join walk as w on w.group_key = c.group_key and w.taken = c.idx
left join regs as r on r.group_key = w.group_key and r.n = w.n
