{#
  The columns that identify a row of a model: no two rows share them (NULLs compare equal, as
  in GROUP BY). A published model's key is what its store table's rows are told apart by.
#}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_sharing_the_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
