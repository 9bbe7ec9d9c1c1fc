{{ stage_feed('finance_disbursements') }}
