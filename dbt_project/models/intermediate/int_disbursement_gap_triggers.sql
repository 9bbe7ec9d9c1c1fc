-- 拨付与发放不符: a 发放年月 whose finance 拨付金额 total differs from what was paid (成功 rows).
with disbursed as (
    select disbursed_month as month, sum(amount) as amount, {{ agg_list('source_ref', ['_period', '_row']) }} as evidence
    from {{ ref('stg_finance_disbursements') }}
    group by disbursed_month
),

paid as (
    select pay_month as month, sum(amount) filter (where pay_status = '成功') as amount
    from {{ ref('stg_payments') }}
    group by pay_month
)

select
    'disbursement_gap:' || {{ month_text('d.month') }} as finding_key,
    'disbursement_gap' as exception_type,
    cast(null as string) as person_id,
    cast(null as string) as person_no,
    {{ month_text('d.month') }} as event_period,
    d.month as event_month,
    d.month as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(abs(d.amount - coalesce(p.amount, 0)) as decimal(14, 2)) as fixed_amount,
    'exact' as identity,
    cast(null as string) as conflict,
    d.evidence,
    '拨付 ' || cast(d.amount as string) || ' 元，发放 ' || cast(coalesce(p.amount, 0) as string) || ' 元' as detail
from disbursed as d
left join paid as p on p.month = d.month
where d.month <= {{ as_of_month() }}
    and d.amount <> coalesce(p.amount, 0)
