{{ stage_feed('certifications') }}
