-- The feeds' calendar: every period each feed with a due date owes, its due date and whether it
-- has arrived (loaded or released); `late` when due by today and not arrived (none, failed or
-- held). What the calendar check alerts on and the 数据源 page lists.
select
    feed,
    cadence,
    period,
    due_on,
    arrived,
    not arrived and due_on <= {{ bureau_today() }} as late,
    latest_status,
    latest_reason,
    latest_message
from {{ ref('int_feed_periods') }}
