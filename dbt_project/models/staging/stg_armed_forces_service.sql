{{ stage_feed('armed_forces_service', monthly=false) }}
