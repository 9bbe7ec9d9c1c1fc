{# Every row (after the test's `where`, if any) satisfies a boolean SQL expression. #}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% endtest %}
