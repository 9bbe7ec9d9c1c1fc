-- The source rows the published findings cite, exactly as they arrived (every declared column
-- as text, before anything was made of it), so that a clerk can open the evidence of a finding
-- without the warehouse: only rows some finding (or the accountability event of one) cites,
-- one per citing township ('' for a finding of no township): what a township officer may open.
{{ config(alias='evidence_rows') }}
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

arrived as (
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
)

select
    a._feed as feed,
    a._period as period,
    a._file_hash as file_hash,
    cast(a._row as integer) as row_number,
    c.township_code,
    a._arrived as arrived
from cited as c
inner join arrived as a on a._feed = c.feed and a._period = c.period and a._row = c.row_number
where a._arrived is not null
