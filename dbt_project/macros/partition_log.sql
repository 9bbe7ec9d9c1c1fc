{#
  What an incremental model rewrote, partition by partition: the work counters of a run
  (orchestration/work_counts.py) and the scope of the model's tests on an increment.

  As its last post-hook, the model records each partition this invocation wrote and its rows
  (on an incremental run the rows of the temporary relation delete+insert swapped in; on a full
  build every partition), and a row with no partition that says it ran. The table keeps the
  latest invocation only.
#}
{% macro log_partitions(column) -%}
{%- if target.type == 'duckdb' -%}
create schema if not exists meta;
create table if not exists meta.dbt_partitions (
    invocation_id varchar, model varchar, partition_key varchar, rows_written bigint
);
delete from meta.dbt_partitions where invocation_id <> '{{ invocation_id }}' or model = '{{ this.name }}';
insert into meta.dbt_partitions values ('{{ invocation_id }}', '{{ this.name }}', null, 0);
{%- set written = this -%}
{%- if execute and is_incremental() -%}
    {#- delete+insert's temporary relation: its name carries a timestamp, so it is looked up -#}
    {%- set temporary = run_query(
        "select table_name from duckdb_tables() where temporary and table_name like '"
        ~ this.identifier ~ "__dbt_tmp%' order by table_name desc limit 1") -%}
    {%- set written = temporary.columns[0].values()[0] -%}
{%- endif %}
insert into meta.dbt_partitions
select '{{ invocation_id }}', '{{ this.name }}', cast({{ column }} as varchar), count(*)
from {{ written }}
group by all
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}

{#
  A test's `where` may name `__rebuilt_months__`: the months (dates) its incremental model
  rewrote in this invocation, so that an increment tests the months it rebuilt and a full build
  every month. When the model did not run in this invocation (`dbt test` alone), or on an engine
  without the log, every month of the model.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__rebuilt_months__' in where -%}
        {%- set all_months = '(select distinct month from ' ~ relation ~ ')' -%}
        {%- if target.type == 'duckdb' -%}
            {%- set logged -%}
                (select cast(partition_key as date) from meta.dbt_partitions
                 where invocation_id = '{{ invocation_id }}' and model = '{{ relation.identifier }}'
                   and partition_key is not null
                 union all
                 select month from {{ all_months }} as every_month
                 where not exists (select 1 from meta.dbt_partitions
                                   where invocation_id = '{{ invocation_id }}' and model = '{{ relation.identifier }}'))
            {%- endset -%}
        {%- else -%}
            {%- set logged = all_months -%}
        {%- endif -%}
        {%- set where = where | replace('__rebuilt_months__', logged) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
