-- The records the case store holds from payment (case_store/decisions). Months become dates
-- (first of month); until_month is exclusive and open while NULL.
with source as (
    select * from {{ source('casework', 'payroll_holds') }}
),

renamed as (
    select
        person_id,
        person_no,
        reason_code,
        cast(from_month || '-01' as date) as from_month,
        cast(until_month || '-01' as date) as until_month,
        cast(case_id as integer) as case_id
    from source
)

select * from renamed
