-- Every finding's trigger, one shape for all types (see each int_<type>_triggers model).
{% set types = ['death', 'nationality', 'other_pension', 'imprisonment', 'detention', 'duplicate_enrollment',
                'duplicate_payment', 'uncertified', 'subsidy', 'cash_collection', 'contribution_unmatched',
                'disbursement_gap'] %}
{% for t in types %}
select * from {{ ref('int_' ~ t ~ '_triggers') }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
