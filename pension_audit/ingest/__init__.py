"""Ingestion: feed declarations, reading files, normalising values, loading the warehouse."""
