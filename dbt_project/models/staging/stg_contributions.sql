{{ stage_feed('contributions') }}
