-- What settling a death, nationality or other-pension finding offsets against.
{{ config(alias='settlement_basis') }}
select finding_key, balance_month, account_balance, own_contribution_balance, receiving_at_event, died_in_custody
from {{ ref('settlement_basis') }}
where finding_key in (select finding_key from {{ ref('findings') }})
