-- Every roster record (个人编号) with the person it belongs to (docs/rules.md "Who is who").
-- A resident ID with a correct check digit, or another document's number, stands for its
-- person. A resident ID with a wrong check digit is linked fuzzily to the one roster person
-- with the same name whose ID is one typo away (a duplicate enrolment); otherwise it
-- stands as its own person, flagged invalid_id.
with ranked as (
    select *, row_number() over (partition by person_no order by month desc) as newest
    from {{ ref('int_roster_months') }}
),

latest as (
    select * from ranked where newest = 1
),

records as (
    select
        *,
        id_number is not null
            and (id_number_valid or doc_type not in {{ resident_doc_types() }}) as is_anchor
    from latest
),

mistyped as (
    select * from records where not is_anchor and doc_type in {{ resident_doc_types() }}
),

anchors as (
    select * from records where is_anchor
),

unique_typo_matches as (
    {{ unique_typo_match('mistyped', 'person_no', 'anchors', 'id_number') }}
)

select
    r.person_no,
    case
        when r.is_anchor then r.id_number
        when m.person_id is not null then m.person_id
        when r.id_number is not null then r.id_number
        else 'PN' || r.person_no
    end as person_id,
    case when m.person_id is not null then 'fuzzy' else 'exact' end as link,
    not r.is_anchor and m.person_id is null as invalid_id,
    r.doc_type,
    r.id_number,
    r.id_number_raw,
    r.name,
    r.sex,
    r.birth_date,
    r.enrolled_on,
    r.month as last_roster_month,
    r.source_ref
from records as r
left join unique_typo_matches as m on m.row_key = r.person_no
