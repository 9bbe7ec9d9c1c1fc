-- Township accountability per township and month of the event, ranked within the month.
{{ config(alias='accountability_township_months') }}
select
    township_code,
    township_name,
    {{ month_text('month') }} as month,
    cast(events as integer) as events,
    cast(on_time as integer) as on_time,
    cast(late as integer) as late,
    cast(missed as integer) as missed,
    cast(pending as integer) as pending,
    cast(awaiting as integer) as awaiting,
    awaiting_inputs,
    cast(on_time_rate as decimal(6, 4)) as on_time_rate,
    attributable_loss,
    cast(loss_rank as integer) as loss_rank
from {{ ref('accountability_township_month') }}
