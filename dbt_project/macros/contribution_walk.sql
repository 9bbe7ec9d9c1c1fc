{#
  The walk of int_contribution_matches: per group, registrations n = 1, 2, … in order each
  take receipt max(pointer + 1, first receipt booked on or after the window start) when it
  is booked by the window end, and that receipt becomes the pointer. Returns (group_key, n,
  taken), taken NULL when registration n took nothing.
  `steps` has one row per registration: group_key, n, first_idx (NULL when no receipt is
  booked on or after its window start) and last_idx (the last receipt booked by its window
  end, NULL when none). DuckDB walks it with a recursive CTE; Spark 4.0 has none, so there
  the same walk is a fold (aggregate) over each group's registrations.
#}
{% macro contribution_walk(steps) -%}
{{ return(adapter.dispatch('contribution_walk')(steps)) }}
{%- endmacro %}

{% macro duckdb__contribution_walk(steps) -%}
with recursive walk (group_key, n, pointer, taken) as (
    select distinct group_key, cast(0 as bigint), cast(0 as bigint), cast(null as bigint) from {{ steps }}
    union all
    select
        w.group_key,
        s.n,
        case when s.first_idx is not null and greatest(w.pointer + 1, s.first_idx) <= s.last_idx
             then greatest(w.pointer + 1, s.first_idx) else w.pointer end,
        case when s.first_idx is not null and greatest(w.pointer + 1, s.first_idx) <= s.last_idx then greatest(w.pointer + 1, s.first_idx) end
    from walk as w
    inner join {{ steps }} as s on s.group_key = w.group_key and s.n = w.n + 1
)

select group_key, n, taken from walk where n > 0
{%- endmacro %}

{% macro spark__contribution_walk(steps) -%}
select group_key, step.n, step.taken
from (
    select group_key, explode(aggregate(
        array_sort(collect_list(struct(
            cast(n as bigint) as n, cast(first_idx as bigint) as first_idx, cast(last_idx as bigint) as last_idx))),
        named_struct('pointer', cast(0 as bigint), 'steps', cast(array() as array<struct<n: bigint, taken: bigint>>)),
        (acc, s) -> case
            when s.first_idx is not null and greatest(acc.pointer + 1, s.first_idx) <= s.last_idx
            then named_struct(
                'pointer', greatest(acc.pointer + 1, s.first_idx),
                'steps', concat(acc.steps, array(named_struct('n', s.n, 'taken', greatest(acc.pointer + 1, s.first_idx)))))
            else named_struct(
                'pointer', acc.pointer,
                'steps', concat(acc.steps, array(named_struct('n', s.n, 'taken', cast(null as bigint)))))
        end,
        acc -> acc.steps)) as step
    from {{ steps }}
    group by group_key
) as folded
{%- endmacro %}
