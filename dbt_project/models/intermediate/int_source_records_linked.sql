-- The crosswalk: every source row (feed, file version, row) and the person it belongs to.
-- Feeds keyed by 个人编号 link through the roster record. Department feeds link through the
-- ID: exactly on a roster record's number (resident ID or another document's number), or,
-- when the ID's check digit is wrong, fuzzily to the one roster person with the same name
-- whose ID is one typo away. A row with a wrong check digit and no such person is
-- unresolved (quarantined as unresolved_id); a valid ID of nobody on the roster is simply
-- not a participant. `id_number_raw` is the ID as it arrived (department rows and the roster's
-- own rows), so that identity_match_stats can tell a number upgraded from 15 digits.
{% set person_no_feeds = ['roster', 'payments', 'certifications', 'contributions'] %}
{% set id_feeds = ['township_reports', 'tax_receipts', 'civil_affairs_assistance', 'civil_affairs_cremations',
                   'cdc_deaths', 'police_deregistrations', 'court_sentences', 'other_pensions',
                   'health_family_planning', 'veterans_retired', 'disability_severe', 'armed_forces_service'] %}
with roster_records as (
    select * from {{ ref('int_roster_records_identified') }}
),

by_person_no as (
    {% for feed in person_no_feeds %}
    select
        '{{ feed }}' as feed, s._period as period, s._file_hash as file_hash, s._row as row_number, s.source_ref,
        s.person_no, r.person_id,
        case when r.person_id is null then 'unlinked' else 'exact' end as link,
        'person_no' as via,
        cast(null as string) as id_number,
        {% if feed == 'roster' %}s.id_number_raw{% else %}cast(null as string){% endif %} as id_number_raw
    from {{ ref('stg_' ~ feed) }} as s
    left join roster_records as r on r.person_no = s.person_no
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

department_rows as (
    {% for feed in id_feeds %}
    select '{{ feed }}' as feed, _period as period, _file_hash as file_hash, _row as row_number, source_ref,
           id_number, id_number_valid, name,
           {% if feed == 'disability_severe' %}certificate_no_raw{% else %}id_number_raw{% endif %} as id_number_raw
    from {{ ref('stg_' ~ feed) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

roster_numbers as (
    select id_number, min(person_id) as person_id
    from roster_records
    where id_number is not null
    group by id_number
),

exact as (
    select d.source_ref, n.person_id
    from department_rows as d
    inner join roster_numbers as n on n.id_number = d.id_number
),

mistyped as (
    select * from department_rows
    where not id_number_valid and source_ref not in (select source_ref from exact)
),

fuzzy as (
    {{ unique_typo_match('mistyped', 'source_ref', 'roster_records', 'person_id') }}
),

by_id as (
    select
        d.feed, d.period, d.file_hash, d.row_number, d.source_ref,
        cast(null as string) as person_no,
        coalesce(e.person_id, f.person_id) as person_id,
        case
            when e.person_id is not null then 'exact'
            when f.person_id is not null then 'fuzzy'
            when not d.id_number_valid and {{ full_match('d.id_number', '[0-9]{17}[0-9X]') }} then 'unresolved'
            else 'not_enrolled'
        end as link,
        case when e.person_id is not null then 'id_number' when f.person_id is not null then 'fuzzy_id' end as via,
        d.id_number,
        d.id_number_raw
    from department_rows as d
    left join exact as e on e.source_ref = d.source_ref
    left join fuzzy as f on f.row_key = d.source_ref
)

select * from by_person_no
union all
select * from by_id
