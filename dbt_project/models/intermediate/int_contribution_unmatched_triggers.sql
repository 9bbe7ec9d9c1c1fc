-- 缴费未入库: a registration with no matching receipt, or a receipt with no matching
-- registration, once its own window (two months after its month) has closed by T.
select
    case when side = 'registration'
         then 'contribution_unmatched:' || person_no || ':' || cast(contribution_year as varchar) || ':'
              || cast(dated_on as varchar) || ':' || cast(amount as varchar)
         else 'contribution_unmatched:' || receipt_no end as finding_key,
    'contribution_unmatched' as exception_type,
    person_id,
    person_no,
    {{ month_text('dated_on') }} as event_period,
    cast(date_trunc('month', dated_on) as date) as event_month,
    dated_on as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(amount as decimal(14, 2)) as fixed_amount,
    link as identity,
    cast(null as varchar) as conflict,
    [source_ref] as evidence,
    case when side = 'registration' then '缴费登记无对应入库' else '税务入库无对应登记：' || id_number end as detail
from {{ ref('int_contribution_matches') }}
where matched_ref is null
    and cast(date_trunc('month', dated_on) + interval 2 month as date) <= {{ as_of_month() }}
