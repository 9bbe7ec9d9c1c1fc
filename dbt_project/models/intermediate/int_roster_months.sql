-- Each roster record (个人编号) as the month-end snapshot of each month showed it.
with ranked as (
    select *, row_number() over (partition by person_no, file_month order by _row desc) as newest
    from {{ ref('stg_roster') }}
)

select
    person_no,
    file_month as month,
    status,
    township_code,
    township_name,
    village,
    enrolled_on,
    benefit_start_month,
    basic_pension,
    account_pension,
    account_balance,
    own_contribution_balance,
    doc_type,
    id_number,
    id_number_raw,
    id_number_valid,
    name,
    sex,
    birth_date,
    source_ref
from ranked
where newest = 1
