-- Each quality check's result for the loaded version of each feed period.
{{ config(alias='feed_checks') }}
select feed, period, file_hash, expectation, column_name, severity, success, unexpected_count, description
from {{ source('meta', 'check_results') }}
