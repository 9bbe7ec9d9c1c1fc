-- For each person, the roster record that is kept when one person holds several: the
-- earliest 参保日期 on the latest roster holding all of them (ties: lowest 个人编号).
with records as (
    select person_id, person_no, enrolled_on from {{ ref('int_roster_records_identified') }}
),

record_counts as (
    select person_id, count(*) as records from records group by person_id
),

latest_holding_all as (
    select r.person_id, max(m.month) as month
    from records as r
    inner join {{ ref('int_roster_months') }} as m on m.person_no = r.person_no
    inner join record_counts as c on c.person_id = r.person_id
    group by r.person_id, m.month, c.records
    having count(distinct r.person_no) = c.records
),

latest_month as (
    select person_id, max(month) as month from latest_holding_all group by person_id
),

candidates as (
    select
        r.person_id,
        r.person_no,
        coalesce(held.enrolled_on, r.enrolled_on) as enrolled_on
    from records as r
    left join latest_month as l on l.person_id = r.person_id
    left join {{ ref('int_roster_months') }} as held
        on held.person_no = r.person_no and held.month = l.month
),

ranked as (
    select
        candidates.person_id,
        candidates.person_no,
        record_counts.records,
        row_number() over (
            partition by candidates.person_id order by candidates.enrolled_on asc nulls last, candidates.person_no
        ) as rank_in_person
    from candidates
    inner join record_counts on record_counts.person_id = candidates.person_id
)

select person_id, person_no as kept_person_no, records
from ranked
where rank_in_person = 1
