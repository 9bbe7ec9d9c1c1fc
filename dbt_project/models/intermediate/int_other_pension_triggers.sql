-- 重复享受其他养老保障待遇: another scheme's pension from 待遇起始年月 S; improper after S.
select
    'other_pension:' || person_id || ':' || scheme as finding_key,
    'other_pension' as exception_type,
    person_id,
    cast(null as string) as person_no,
    {{ month_text('min(start_month)') }} as event_period,
    min(start_month) as event_month,
    min(start_month) as event_date,
    min(start_month) as improper_after,
    cast(null as date) as improper_until,
    cast(null as decimal(14, 2)) as fixed_amount,
    case when bool_or(link = 'exact') then 'exact' else 'fuzzy' end as identity,
    cast(null as string) as conflict,
    {{ agg_list('source_ref', ['feed', 'period', 'row_number']) }} as evidence,
    scheme as detail
from {{ linked('stg_other_pensions') }}
group by person_id, scheme
