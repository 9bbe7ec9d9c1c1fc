-- Match quality, per feed and period: how each source row of the crosswalk found its person.
--   exact        the ID as it arrived is a roster record's number (or the record's own, for the roster)
--   upgraded_15  the same, the ID having arrived in the old 15-digit form (upgraded at ingestion)
--   check_digit  a wrong check digit: linked to the one person of the same name whose ID differs
--                only in the check digit (the digit corrected)
--   fuzzy        another single typo (one character, or an adjacent swap) with the same name
--   by_person_no linked by 个人编号 through the roster record (payments, certifications, contributions)
--   unresolved   a wrong check digit and no such person (quarantined as unresolved_id; for the
--                roster: a record standing as its own person, flagged invalid_id)
--   not_enrolled a valid number of nobody on the roster (not a participant)
--   unlinked     a 个人编号 not on the roster
-- The roster's rows are counted by how their record was identified (int_roster_records_identified).
with crosswalk as (
    select
        x.feed,
        x.period,
        x.link,
        x.via,
        x.id_number,
        x.person_id,
        {{ full_match('x.id_number_raw', '[^0-9]?( *[0-9]){15}([1-7][1-4](B[1-9])?)? *') }} as arrived_15,
        r.link as record_link,
        r.invalid_id as record_invalid,
        r.id_number as record_id_number,
        r.person_id as record_person_id
    from {{ ref('int_source_records_linked') }} as x
    left join {{ ref('int_roster_records_identified') }} as r
        on x.feed = 'roster' and r.person_no = x.person_no
),

classified as (
    select
        feed,
        period,
        case
            when feed = 'roster' and record_link = 'fuzzy' then
                case when substr(record_id_number, 1, 17) = substr(record_person_id, 1, 17)
                     then 'check_digit' else 'fuzzy' end
            when feed = 'roster' and record_invalid then 'unresolved'
            when feed = 'roster' and record_link = 'exact' and coalesce(arrived_15, false) then 'upgraded_15'
            when feed = 'roster' and record_link = 'exact' then 'exact'
            when via = 'person_no' and link = 'exact' then 'by_person_no'
            when link = 'exact' and coalesce(arrived_15, false) then 'upgraded_15'
            when link = 'exact' then 'exact'
            when link = 'fuzzy' and substr(id_number, 1, 17) = substr(person_id, 1, 17) then 'check_digit'
            when link = 'fuzzy' then 'fuzzy'
            else link
        end as method
    from crosswalk
)

select
    feed,
    period,
    cast(count(*) as integer) as source_rows,
    cast(sum(case when method = 'exact' then 1 else 0 end) as integer) as exact,
    cast(sum(case when method = 'upgraded_15' then 1 else 0 end) as integer) as upgraded_15,
    cast(sum(case when method = 'check_digit' then 1 else 0 end) as integer) as check_digit,
    cast(sum(case when method = 'fuzzy' then 1 else 0 end) as integer) as fuzzy,
    cast(sum(case when method = 'by_person_no' then 1 else 0 end) as integer) as by_person_no,
    cast(sum(case when method = 'unresolved' then 1 else 0 end) as integer) as unresolved,
    cast(sum(case when method = 'not_enrolled' then 1 else 0 end) as integer) as not_enrolled,
    cast(sum(case when method = 'unlinked' then 1 else 0 end) as integer) as unlinked
from classified
group by feed, period
