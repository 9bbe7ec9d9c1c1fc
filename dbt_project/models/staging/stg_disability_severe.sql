{{ stage_feed('disability_severe', monthly=false) }}
