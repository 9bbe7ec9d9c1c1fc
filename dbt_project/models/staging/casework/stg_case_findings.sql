-- The findings the case store has put in a case, with that case's status (case_store/decisions).
with source as (
    select * from {{ source('casework', 'case_findings') }}
),

renamed as (
    select
        finding_key,
        cast(case_id as integer) as case_id,
        case_status
    from source
)

select * from renamed
