-- The monthly 基础养老金 standard, versioned by the date it takes effect (back pay reads it).
{{ config(alias='basic_pension_standards') }}
select effective_from, cast(basic_pension as decimal(14, 2)) as basic_pension
from {{ ref('policy_basic_pension') }}
