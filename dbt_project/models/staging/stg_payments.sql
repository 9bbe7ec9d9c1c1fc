{{ stage_feed('payments') }}
