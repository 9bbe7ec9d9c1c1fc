-- What each roster record actually received for each 所属年月: the sum of 实发金额 over its
-- 成功 rows (正常发放, 补发 and 扣回 alike; 失败 moved no money, 退回 came back).
select
    p.person_no,
    x.person_id,
    p.for_month,
    sum(p.amount) filter (where p.pay_status = '成功') as received,
    count(*) filter (where p.pay_status = '成功' and p.pay_type = '正常发放') as normal_payments,
    max(p.amount) filter (where p.pay_status = '成功' and p.pay_type = '正常发放') as largest_normal_payment,
    {{ agg_list('p.source_ref', ['p._period', 'p._row'], filter="p.pay_status = '成功'") }} as payment_refs
from {{ ref('stg_payments') }} as p
left join {{ ref('int_roster_records_identified') }} as x on x.person_no = p.person_no
group by p.person_no, x.person_id, p.for_month
