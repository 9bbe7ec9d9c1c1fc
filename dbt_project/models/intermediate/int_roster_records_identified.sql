-- Every roster record (个人编号) with the person it belongs to (DOMAIN.md "Who is who").
-- A resident ID with a correct check digit, or another document's number, stands for its
-- person. A resident ID with a wrong check digit is linked fuzzily to the one roster person
-- with the same name whose ID is one typo away (a duplicate enrolment); otherwise it
-- stands as its own person, flagged invalid_id.
with latest as (
    select *
    from {{ ref('int_roster_months') }}
    qualify row_number() over (partition by person_no order by month desc) = 1
),

records as (
    select
        *,
        id_number is not null
            and (id_number_valid or doc_type not in {{ resident_doc_types() }}) as is_anchor
    from latest
),

typo_matches as (
    select distinct r.person_no, a.id_number as matched_id
    from records as r
    inner join records as a
        on a.is_anchor and a.name = r.name and a.id_number <> r.id_number
    where not r.is_anchor
        and r.doc_type in {{ resident_doc_types() }}
        and {{ one_typo_apart('r.id_number', 'a.id_number') }}
),

unique_typo_matches as (
    select person_no, min(matched_id) as matched_id
    from typo_matches
    group by person_no
    having count(*) = 1
)

select
    r.person_no,
    case
        when r.is_anchor then r.id_number
        when m.matched_id is not null then m.matched_id
        when r.id_number is not null then r.id_number
        else 'PN' || r.person_no
    end as person_id,
    case when m.matched_id is not null then 'fuzzy' else 'exact' end as link,
    not r.is_anchor and m.matched_id is null as invalid_id,
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
left join unique_typo_matches as m on m.person_no = r.person_no
