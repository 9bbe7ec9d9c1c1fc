-- Every finding decided (not awaiting data: int_findings_awaiting), before it is split into
-- the inspection lists (inspect_<type>) that `findings` unifies: one row per finding, with a key that survives rebuilds, its
-- improper months, the overpaid amount to the fen, the identity confidence, conflicts
-- between sources and the evidence rows (trigger rows, then the payments counted), and
-- where the case store has got with it (case_state: new, on_hold, or its case's status).
with triggers as (
    select * from {{ ref('int_findings_triggered') }}
    where finding_key not in (select finding_key from {{ ref('int_findings_awaiting') }})
),

months as (
    select
        finding_key,
        min(for_month) as first_month,
        max(for_month) as last_month,
        count(distinct for_month) as improper_months,
        sum(amount) as amount,
        {{ agg_distinct_sorted(month_text('for_month')) }} as month_list,
        flatten({{ agg_list('payment_refs', ['for_month', 'person_no']) }}) as payment_refs
    from {{ ref('int_improper_months') }}
    group by finding_key
),

record_township as (
    select person_no, township_code
    from (
        select person_no, township_code, row_number() over (partition by person_no order by month desc) as newest
        from {{ ref('int_roster_months') }}
        where month <= {{ as_of_month() }}
    ) as ranked
    where newest = 1
),

cased as (
    select finding_key, case_id, case_status from {{ ref('stg_case_findings') }}
),

-- Held now: a hold of the case store covers the next pay month, T + 1 (until is exclusive).
held_now as (
    select coalesce(h.person_id, r.person_id) as person_id, h.person_no
    from {{ ref('stg_payroll_holds') }} as h
    left join {{ ref('int_roster_records_identified') }} as r on r.person_no = h.person_no
    cross join (select cast(as_of_month + interval 1 month as date) as month from {{ ref('int_as_of') }}) as next_pay
    where h.from_month <= next_pay.month and (h.until_month is null or h.until_month > next_pay.month)
)

select
    t.finding_key,
    t.exception_type,
    ft.label as exception_label,
    t.person_id,
    coalesce(p.id_number, case when p.person_id is null then t.person_id end) as id_number,
    p.name,
    -- The township of the person's roster record at T; a record's own for record-level findings.
    case when t.exception_type in ('duplicate_payment', 'cash_collection', 'contribution_unmatched')
         then coalesce(rt.township_code, p.township_code) else p.township_code end as township_code,
    t.person_no,
    t.event_period,
    t.event_month,
    t.event_date,
    case when t.exception_type = 'disbursement_gap' then t.event_period
         else {{ month_text('m.first_month') }} end as first_improper_month,
    {{ month_text('m.last_month') }} as last_improper_month,
    coalesce(m.improper_months, 0) as improper_months,
    coalesce(m.month_list, {{ list_of() }}) as improper_month_list,
    cast(coalesce(m.amount, t.fixed_amount, 0) as decimal(14, 2)) as overpaid_amount,
    t.identity,
    t.conflict,
    {{ list_concat('t.evidence', 'coalesce(m.payment_refs, ' ~ list_of() ~ ')') }} as evidence,
    t.detail,
    c.case_id,
    case
        when c.case_id is not null then c.case_status
        when exists (select 1 from held_now as h
                     where h.person_id = t.person_id or (t.person_id is null and h.person_no = t.person_no))
            then 'on_hold'
        else 'new'
    end as case_state
from triggers as t
inner join {{ ref('finding_types') }} as ft on ft.exception_type = t.exception_type
left join months as m on m.finding_key = t.finding_key
left join {{ ref('persons') }} as p on p.person_id = t.person_id
left join record_township as rt on rt.person_no = t.person_no
left join cased as c on c.finding_key = t.finding_key
where not ft.has_improper_months or m.improper_months > 0
