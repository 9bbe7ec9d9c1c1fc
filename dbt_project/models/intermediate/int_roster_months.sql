{#
  Each roster record (个人编号) as the month-end snapshot of each month showed it.

  The largest table of the project (a district: 120,000 records x every month), so on DuckDB
  it is incremental by month: a run rebuilds only the months whose file is new or was
  re-sent (its hash is not in the table yet), and drops months whose file is gone or now
  blocked. A new month costs one month, a late correction of an old month that month alone.
  On engines without delete+insert it is a plain table; `dbt build --full-refresh` rebuilds it.
#}
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='delete+insert',
    unique_key='month',
    post_hook=[
        "delete from {{ this }} where file_hash not in (select distinct _file_hash from {{ ref('stg_roster') }})",
        "{{ log_partitions('month') }}",
    ] if target.type == 'duckdb' else [],
) }}

with ranked as (
    select *, row_number() over (partition by person_no, file_month order by _row desc) as newest
    from {{ ref('stg_roster') }}
    {% if is_incremental() %}
    where file_month in (
        select file_month from (
            select distinct file_month, _file_hash from {{ ref('stg_roster') }}
            except
            select distinct month, file_hash from {{ this }}
        ) as changed
    )
    {% endif %}
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
    source_ref,
    _file_hash as file_hash
from ranked
where newest = 1
