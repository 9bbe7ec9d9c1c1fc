-- The events townships must report monthly (article 31): deaths and custodial sentences
-- (dated by custody start) of persons receiving benefits, each with whether and when its
-- township reported it. The list behind every accountability figure.
--   on time: a report for the event month or the next `township_report_grace_months` lists it;
--   late: a later report does; missed: none does and that window has closed by T;
--   pending: none yet and the window is still open at T (not counted);
--   awaiting: none in the reports that came, the window has closed by T, and a township report
--   of the window (seeds/finding_inputs.csv, type `accountability`) is due and has not arrived
--   (none, failed or held): not counted, listed with the feed-periods it waits for. A report
--   found in the window decides the event whatever else is missing; a report after the window
--   only turns missed into late, so a later month's absence holds nothing back.
with as_of as (
    select as_of_month, first_roster_month from {{ ref('int_as_of') }}
),

raw_events as (
    select 'death' as event_type, person_id, event_month, event_date,
           finding_key, '死亡' as report_situations
    from {{ ref('int_death_triggers') }}
    union all
    select 'sentence', person_id, cast(date_trunc('month', custody_start) as date), custody_start,
           'imprisonment:' || person_id || ':' || case_no, '羁押,判刑'
    from {{ ref('int_court_sentences_current') }}
    where is_custodial
),

receiving_record as (
    -- The record that was 正常待遇 on the roster of the event month (the kept one first).
    select event_type, person_id, event_month, event_date, finding_key, report_situations,
           person_no, township_code, roster_ref
    from (
        select
            e.*, m.person_no, m.township_code, m.source_ref as roster_ref,
            row_number() over (
                partition by e.event_type, e.finding_key
                order by (m.person_no = k.kept_person_no) desc nulls last, m.person_no) as preference
        from raw_events as e
        inner join {{ ref('int_roster_records_identified') }} as r on r.person_id = e.person_id
        inner join {{ ref('int_roster_months') }} as m
            on m.person_no = r.person_no and m.month = e.event_month and m.status = '正常待遇'
        left join {{ ref('int_person_records_kept') }} as k on k.person_id = e.person_id
        where e.event_month >= (select first_roster_month from as_of)
    ) as ranked
    where preference = 1
),

reports as (
    select person_id, reporter_code, situation, file_month as report_month, source_ref
    from {{ linked('stg_township_reports') }}
),

report_windows as (
    -- The feed-periods each event's decision reads: seeds/finding_inputs.csv, type
    -- `accountability`, window `report_window` (the event month to the end of its grace).
    select
        e.event_type, e.finding_key, i.feed,
        {{ add_months('e.event_month', 'cast(i.from_offset as integer)') }} as window_start,
        {{ add_months(add_months('e.event_month', "cast(" ~ policy('township_report_grace_months') ~ " as integer)"), 'cast(i.to_offset as integer)') }} as window_end
    from receiving_record as e
    inner join {{ ref('finding_inputs') }} as i
        on i.exception_type = 'accountability' and i.input_window = 'report_window'
),

window_missing as (
    select
        w.event_type, w.finding_key,
        {{ agg_text("p.feed || ' ' || p.period || '（' || coalesce(p.latest_status, 'missing') || '）'", '、', ['p.feed', 'p.period']) }} as awaiting_inputs
    from report_windows as w
    inner join {{ ref('int_feed_periods') }} as p
        on p.feed = w.feed
        and p.period_start <= w.window_end
        and p.period_end >= w.window_start
    where not p.arrived and p.due_on <= {{ bureau_today() }}
    group by w.event_type, w.finding_key
),

first_report as (
    select e.event_type, e.finding_key, min(r.report_month) as report_month,
           min_by(r.source_ref, r.report_month) as report_ref
    from receiving_record as e
    inner join reports as r
        on r.person_id = e.person_id
        and r.reporter_code = e.township_code
        and (',' || e.report_situations || ',') like ('%,' || r.situation || ',%')
        and r.report_month >= e.event_month
    group by e.event_type, e.finding_key
),

classified as (
    select
        e.*,
        f.report_month,
        f.report_ref,
        {{ add_months('e.event_month', "cast(" ~ policy('township_report_grace_months') ~ " as integer)") }} as due_month,
        case
            when f.report_month <= {{ add_months('e.event_month', "cast(" ~ policy('township_report_grace_months') ~ " as integer)") }} then 'on_time'
            when f.report_month is null
                and (select as_of_month from as_of) <= {{ add_months('e.event_month', "cast(" ~ policy('township_report_grace_months') ~ " as integer)") }} then 'pending'
            when w.finding_key is not null then 'awaiting'
            when f.report_month is not null then 'late'
            else 'missed'
        end as report_status,
        w.awaiting_inputs
    from receiving_record as e
    left join first_report as f on f.event_type = e.event_type and f.finding_key = e.finding_key
    left join window_missing as w on w.event_type = e.event_type and w.finding_key = e.finding_key
),

loss as (
    -- Money of the event's finding paid from month(event)+2 on: what a timely report would
    -- have saved.
    select c.finding_key, c.event_type, sum(m.amount) as amount, count(*) as record_months
    from classified as c
    inner join {{ ref('int_improper_months') }} as m on m.finding_key = c.finding_key
    where c.report_status in ('late', 'missed')
        and m.for_month >= {{ add_months('c.event_month', "cast(" ~ policy('attributable_loss_from_months') ~ " as integer)") }}
    group by c.finding_key, c.event_type
)

select
    c.event_type,
    c.finding_key,
    c.person_id,
    c.person_no,
    c.township_code,
    c.event_date,
    c.event_month,
    c.due_month,
    c.report_month,
    c.report_status,
    case when c.report_status = 'awaiting' then c.awaiting_inputs end as awaiting_inputs,
    c.report_ref,
    c.roster_ref,
    cast(coalesce(l.amount, 0) as decimal(14, 2)) as attributable_loss
from classified as c
left join loss as l on l.finding_key = c.finding_key and l.event_type = c.event_type
