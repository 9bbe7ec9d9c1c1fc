{{ stage_feed('police_deregistrations') }}
