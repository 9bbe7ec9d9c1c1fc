{{ stage_feed('other_pensions') }}
