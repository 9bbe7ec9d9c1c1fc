{{ stage_feed('roster') }}
