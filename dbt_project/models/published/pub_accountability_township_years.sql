-- Township accountability per township and year, ranked within the year.
{{ config(alias='accountability_township_years') }}
select
    township_code,
    township_name,
    cast(year as integer) as year,
    cast(recipients as integer) as recipients,
    cast(events as integer) as events,
    cast(on_time as integer) as on_time,
    cast(late as integer) as late,
    cast(missed as integer) as missed,
    cast(pending as integer) as pending,
    cast(awaiting as integer) as awaiting,
    awaiting_inputs,
    cast(on_time_rate as decimal(6, 4)) as on_time_rate,
    attributable_loss,
    cast(improper_months as integer) as improper_months,
    overpaid_amount,
    cast(certification_coverage as decimal(6, 4)) as certification_coverage,
    cast(loss_rank as integer) as loss_rank
from {{ ref('accountability_township_year') }}
