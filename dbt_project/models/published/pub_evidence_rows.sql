-- The source rows the published findings cite, exactly as they arrived (every declared column
-- as text, before anything was made of it), so that a clerk can open the evidence of a finding
-- without the warehouse: only rows some finding (or the accountability event of one) cites,
-- one per citing township ('' for a finding of no township): what a township officer may open.
-- The loader does not keep rows as they arrived (a third of a roster month's loading, for the
-- few rows cited): they are read back from the archived file by content hash and row number
-- (pa_arrived_rows, orchestration/arrived_plugin.py), each file once, and only the rows the
-- previous build did not already hold (a version's rows never change).
{{ config(alias='evidence_rows') }}
{%- set previous = adapter.get_relation(this.database, this.schema, this.identifier) %}
with refs as (
    select distinct coalesce(township_code, '') as township_code, unnest(evidence) as source_ref
    from {{ ref('pub_findings') }}
    union
    -- The township report and roster rows behind each accountability event (of a finding).
    select coalesce(township_code, ''), report_ref
    from {{ ref('pub_accountability_events') }}
    where report_ref is not null
    union
    select coalesce(township_code, ''), roster_ref
    from {{ ref('pub_accountability_events') }}
    where roster_ref is not null
),

cited as (
    -- feed/period#row, read apart to join the feeds' tables on their own columns.
    select
        township_code,
        split_part(source_ref, '/', 1) as feed,
        split_part(split_part(source_ref, '/', 2), '#', 1) as period,
        try_cast(split_part(source_ref, '#', 2) as integer) as row_number
    from refs
    where source_ref like '%/%#%'
),

loaded as (
    {#- Every feed's table (the feeds of pension_audit/ingest/feeds.py; a test keeps this list whole). -#}
    {%- set feeds = ['roster', 'payments', 'certifications', 'contributions', 'township_reports',
                     'tax_receipts', 'finance_disbursements', 'civil_affairs_assistance',
                     'civil_affairs_cremations', 'cdc_deaths', 'police_deregistrations',
                     'court_sentences', 'other_pensions', 'health_family_planning',
                     'veterans_retired', 'disability_severe', 'armed_forces_service'] %}
    {% for feed in feeds -%}
    select _feed, _period, _file_hash, _row, _arrived
    from {{ source('raw', feed) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rows_cited as (
    select
        a._feed as feed,
        a._period as period,
        a._file_hash as file_hash,
        cast(a._row as integer) as row_number,
        c.township_code,
        a._arrived
    from cited as c
    inner join loaded as a on a._feed = c.feed and a._period = c.period and a._row = c.row_number
),

known as (
    -- Rows kept by an older loader, and the rows the previous build read back.
    select distinct file_hash, row_number, _arrived as arrived
    from rows_cited
    where _arrived is not null
    {%- if previous is not none %}
    union
    select distinct file_hash, row_number, arrived
    from {{ previous }}
    {%- endif %}
),

wanted as (
    select distinct r.feed, r.file_hash, r.row_number
    from rows_cited as r
    anti join known as k on k.file_hash = r.file_hash and k.row_number = r.row_number
),

files as (
    -- The file's name as it arrived says how it is read (.csv or .xlsx).
    select file_hash, any_value(path) as path
    from {{ source('meta', 'file_log') }}
    where file_hash in (select file_hash from wanted)
    group by file_hash
),

read_back as (
    select w.file_hash, unnest(pa_arrived_rows(w.feed, f.path, w.file_hash, list(w.row_number))) as found
    from wanted as w
    inner join files as f on f.file_hash = w.file_hash
    group by w.feed, f.path, w.file_hash
),

arrived as (
    select file_hash, row_number, any_value(arrived) as arrived
    from (
        select file_hash, row_number, arrived from known
        union all
        select file_hash, found.row as row_number, found.arrived from read_back
    )
    group by file_hash, row_number
)

select
    r.feed,
    r.period,
    r.file_hash,
    r.row_number,
    r.township_code,
    a.arrived
from rows_cited as r
inner join arrived as a on a.file_hash = r.file_hash and a.row_number = r.row_number
where a.arrived is not null
