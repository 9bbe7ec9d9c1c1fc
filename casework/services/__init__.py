"""The service layer owns the workflow: routers parse and authorise, services decide."""
