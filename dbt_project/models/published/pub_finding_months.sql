-- Money each roster record received for each improper month of a finding.
{{ config(alias='finding_months') }}
select
    m.finding_key,
    m.person_no,
    {{ month_text('m.for_month') }} as month,
    cast(sum(m.amount) as decimal(14, 2)) as amount
from {{ ref('int_improper_months') }} as m
where m.finding_key in (select finding_key from {{ ref('findings') }})
group by m.finding_key, m.person_no, m.for_month
