{{ stage_feed('cdc_deaths') }}
