"""HTTP routes per domain: they parse and authorise; the services decide."""
