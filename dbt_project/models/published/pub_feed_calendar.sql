-- Feed-periods late by the calendar (due, not arrived), for the console's 数据源 page.
{{ config(alias='feed_calendar') }}
select feed, period, cast(due_on as date) as due_on, coalesce(latest_status, 'missing') as status,
       latest_reason as reason, latest_message as message
from {{ ref('feed_calendar') }}
where late
