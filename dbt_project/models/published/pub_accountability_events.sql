-- Every event a township had to report (article 31), with how it was reported and whose it is.
{{ config(alias='accountability_events') }}
select
    e.event_type,
    e.finding_key,
    e.person_id,
    e.person_no,
    p.name,
    p.id_number,
    e.township_code,
    e.event_date,
    {{ month_text('e.event_month') }} as event_month,
    {{ month_text('e.due_month') }} as due_month,
    {{ month_text('e.report_month') }} as report_month,
    e.report_status,
    e.awaiting_inputs,
    e.report_ref,
    e.roster_ref,
    e.attributable_loss
from {{ ref('accountability_events') }} as e
left join {{ ref('persons') }} as p on p.person_id = e.person_id
