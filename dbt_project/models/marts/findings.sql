-- The unified findings: one row per decided finding, the union of the inspection lists
-- (inspect_<type>, each from findings_decided), with a key that survives rebuilds, its improper
-- months, the overpaid amount to the fen, the identity confidence, conflicts between sources,
-- the evidence rows and where the case store has got with it (case_state). Findings awaiting
-- data are in findings_awaiting, not here.
select * from {{ ref('inspect_cash_collection') }}
union all
select * from {{ ref('inspect_contribution_unmatched') }}
union all
select * from {{ ref('inspect_death') }}
union all
select * from {{ ref('inspect_detention') }}
union all
select * from {{ ref('inspect_disbursement_gap') }}
union all
select * from {{ ref('inspect_duplicate_enrollment') }}
union all
select * from {{ ref('inspect_duplicate_payment') }}
union all
select * from {{ ref('inspect_imprisonment') }}
union all
select * from {{ ref('inspect_nationality') }}
union all
select * from {{ ref('inspect_other_pension') }}
union all
select * from {{ ref('inspect_subsidy_ineligible') }}
union all
select * from {{ ref('inspect_subsidy_missed') }}
union all
select * from {{ ref('inspect_uncertified') }}
