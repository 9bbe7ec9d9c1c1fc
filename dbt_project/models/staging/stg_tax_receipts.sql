{{ stage_feed('tax_receipts') }}
