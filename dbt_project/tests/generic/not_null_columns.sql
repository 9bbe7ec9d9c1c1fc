{#
  The columns of a table that must always hold a value: one query over the table for all of
  them, not one per column (a not_null test per column scans the table once per column, and each
  is a dbt node and a Dagster check of its own). A failing row says which columns it lacks.
#}
{% test not_null_columns(model, columns) %}
select
    {% for column in columns -%}
    {{ column }} is null as {{ column }}_is_null{{ "," if not loop.last }}
    {% endfor -%}
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}
{% endtest %}
