{{ stage_feed('court_sentences') }}
