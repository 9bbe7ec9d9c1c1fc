-- What each roster record of a person with findings received, month by month (成功 rows of
-- 待遇发放明细, by 所属年月): the payment strip of the person page.
{{ config(alias='person_payments') }}
select
    m.person_no,
    {{ month_text('m.for_month') }} as month,
    cast(m.received as decimal(14, 2)) as amount
from {{ ref('int_money_by_record_month') }} as m
inner join {{ ref('int_roster_records_identified') }} as r on r.person_no = m.person_no
where m.received is not null
    and r.person_id in (select person_id from {{ ref('findings') }})
