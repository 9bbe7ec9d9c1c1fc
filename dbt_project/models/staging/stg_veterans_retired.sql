{{ stage_feed('veterans_retired', monthly=false) }}
