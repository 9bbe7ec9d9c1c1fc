-- 缴费未入库: a registration with no matching receipt, or a receipt with no matching
-- registration, once its own window (two months after its month) has closed by T.
-- Identical registrations (same 个人编号, 缴费年度, 登记日期 and amount) are one finding, as
-- for cash collection.
with unmatched as (
    select
        *,
        case when side = 'registration'
             then 'contribution_unmatched:' || person_no || ':' || cast(contribution_year as string) || ':'
                  || cast(dated_on as string) || ':' || cast(amount as string)
             else 'contribution_unmatched:' || receipt_no end as finding_key
    from {{ ref('int_contribution_matches') }}
    where matched_ref is null
        and {{ add_months("cast(date_trunc('month', dated_on) as date)", 2) }} <= {{ as_of_month() }}
)

select
    finding_key,
    'contribution_unmatched' as exception_type,
    any_value(person_id) as person_id,
    any_value(person_no) as person_no,
    {{ month_text('min(dated_on)') }} as event_period,
    cast(date_trunc('month', min(dated_on)) as date) as event_month,
    min(dated_on) as event_date,
    cast(null as date) as improper_after,
    cast(null as date) as improper_until,
    cast(sum(amount) as decimal(14, 2)) as fixed_amount,
    case when bool_or(link = 'exact') then 'exact' else 'fuzzy' end as identity,
    cast(null as string) as conflict,
    {{ agg_list('source_ref', ['source_ref']) }} as evidence,
    case when any_value(side) = 'registration' then '缴费登记无对应入库'
         else '税务入库无对应登记：' || any_value(id_number) end as detail
from unmatched
group by finding_key
