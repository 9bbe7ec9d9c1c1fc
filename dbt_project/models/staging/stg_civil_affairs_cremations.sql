{{ stage_feed('civil_affairs_cremations') }}
