-- What this build was made from: T, the as-of month (the latest 发放年月 seen), and the next
-- 发放年月, the first a hold can still stop; and the day it decided on (due dates, late feeds):
-- a run's manifest records it, so that `pension-audit runs verify` decides on the same day.
{{ config(alias='build') }}
select
    {{ month_text('as_of_month') }} as as_of_month,
    {{ month_text(add_months('as_of_month', 1)) }} as next_pay_month,
    {{ bureau_today() }} as decided_on
from {{ ref('int_as_of') }}
