"""Price data: providers (bundled, csv, http), row validation and ingestion into storage."""
