{{ stage_feed('township_reports') }}
