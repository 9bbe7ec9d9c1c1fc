-- Findings awaiting data: triggered, but a feed-period their decision reads is due and has not
-- arrived (int_findings_awaiting). Not decided, not published as findings; listed so the data
-- engineer knows which file is holding what. Decided by the first build after the data comes.
select
    a.finding_key,
    a.exception_type,
    ft.label as exception_label,
    a.person_id,
    p.name,
    p.township_code,
    a.person_no,
    a.event_period,
    cast(a.missing_count as integer) as missing_count,
    a.missing_inputs
from {{ ref('int_findings_awaiting') }} as a
inner join {{ ref('finding_types') }} as ft on ft.exception_type = a.exception_type
left join {{ ref('persons') }} as p on p.person_id = a.person_id
