-- Records that start receiving in a month (article 21: each is sent a 待遇领取告知书): 正常待遇 on
-- that month's roster with that month as 待遇享受年月.
{{ config(alias='benefit_starts') }}
select
    {{ month_text('month') }} as month,
    person_no,
    name,
    id_number,
    doc_type,
    township_code,
    village,
    basic_pension,
    account_pension
from {{ ref('int_roster_months') }}
where month = benefit_start_month and status = '正常待遇'
