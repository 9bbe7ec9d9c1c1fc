-- The timeline of every person with findings: each life event with the source row behind it.
{{ config(alias='person_events') }}
select distinct t.person_id, t.event_type, t.event_date, t.detail, t.source_ref, t.link
from {{ ref('person_timeline') }} as t
where t.person_id in (select person_id from {{ ref('findings') }})
