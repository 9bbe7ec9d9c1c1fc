-- The person master: one row per person, the best value of each attribute and its source.
-- Identity comes from the kept roster record; the township is that record's at T (or its
-- latest roster month before T).
with records as (
    select * from {{ ref('int_roster_records_identified') }}
),

kept as (
    select * from {{ ref('int_person_records_kept') }}
),

kept_record as (
    select r.*
    from records as r
    inner join kept as k on k.person_id = r.person_id and k.kept_person_no = r.person_no
),

at_as_of as (
    select *
    from (
        select m.*, row_number() over (partition by m.person_no order by m.month desc) as newest
        from {{ ref('int_roster_months') }} as m
        inner join kept as k on k.kept_person_no = m.person_no
        where m.month <= {{ as_of_month() }}
    ) as ranked
    where newest = 1
),

per_person as (
    select
        person_id,
        bool_and(invalid_id) as invalid_id,
        bool_or(link = 'fuzzy') as has_fuzzy_records,
        {{ agg_list('person_no', ['person_no']) }} as person_nos
    from records
    group by person_id
)

select
    k.person_id,
    case when k.person_id like 'PN%' then null else k.person_id end as id_number,
    kr.doc_type,
    kr.name,
    kr.source_ref as name_source,
    kr.sex,
    kr.birth_date,
    kr.source_ref as birth_date_source,
    t.township_code,
    t.township_name,
    t.village,
    t.source_ref as township_source,
    t.status as status_at_as_of,
    t.month as roster_month,
    k.kept_person_no,
    k.records as record_count,
    p.person_nos,
    p.invalid_id,
    p.has_fuzzy_records
from kept as k
inner join kept_record as kr on kr.person_id = k.person_id
inner join per_person as p on p.person_id = k.person_id
left join at_as_of as t on t.person_no = k.kept_person_no
