"""HTTP service: create_app(), routes, dependencies, schemas (and later the live feed)."""
