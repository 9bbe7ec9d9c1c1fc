-- Match quality per feed and period (marts.identity_match_stats), for the 数据源 page.
{{ config(alias='identity_stats') }}
select
    feed,
    period,
    source_rows,
    exact,
    upgraded_15,
    check_digit,
    fuzzy,
    by_person_no,
    unresolved,
    not_enrolled,
    unlinked
from {{ ref('identity_match_stats') }}
