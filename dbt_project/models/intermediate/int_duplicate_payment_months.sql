-- 重复发放: a record with two or more 成功 正常发放 rows for one 所属年月; improper where what
-- it received exceeds its largest single such row, by that difference.
select
    'duplicate_payment:' || person_no as finding_key,
    person_id,
    person_no,
    for_month,
    received - largest_normal_payment as amount,
    payment_refs
from {{ ref('int_money_by_record_month') }}
where normal_payments >= 2 and received - largest_normal_payment > 0
