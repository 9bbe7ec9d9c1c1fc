{#
  How a group's accountability events were reported (article 31), one column a status: the
  events whose report is settled (on time, late or missed) and each status apart. Pending and
  awaiting (a township report of the window due and not arrived) are never events yet, so the
  on-time rate leaves them out. `events` is the relation's alias ('e'), or none.
#}
{% macro report_status_counts(events='') -%}
{%- set key = (events ~ '.' if events else '') ~ 'finding_key' -%}
{%- set status = (events ~ '.' if events else '') ~ 'report_status' -%}
count({{ key }}) filter (where {{ status }} in ('on_time', 'late', 'missed')) as events,
count({{ key }}) filter (where {{ status }} = 'on_time') as on_time,
count({{ key }}) filter (where {{ status }} = 'late') as late,
count({{ key }}) filter (where {{ status }} = 'missed') as missed,
count({{ key }}) filter (where {{ status }} = 'pending') as pending,
count({{ key }}) filter (where {{ status }} = 'awaiting') as awaiting
{%- endmacro %}

{#
  The on-time rate of a group's counts (report_status_counts' columns of the relation `events`,
  or none): on time over settled events, to four places; none when there are no events, nor
  while any event awaits data (待数据). `rounded=false` gives the exact share, for ranking.
#}
{% macro on_time_rate(events='', rounded=true) -%}
{%- set p = (events ~ '.' if events else '') -%}
{%- set share = 'cast(' ~ p ~ 'on_time as double) / ' ~ p ~ 'events' -%}
case when {{ p }}events > 0 and {{ p }}awaiting = 0
     then {% if rounded %}round({{ share }}, 4){% else %}{{ share }}{% endif %} end
{%- endmacro %}
