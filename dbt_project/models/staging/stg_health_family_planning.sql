{{ stage_feed('health_family_planning', monthly=false) }}
