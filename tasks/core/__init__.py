"""Shared ground for every stage: records, errors, config, HTTP, time format, text knowledge."""
