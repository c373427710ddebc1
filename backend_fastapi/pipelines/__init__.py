"""Data pipelines: sources, steps, validations and writers on pandas (worker only)."""
