"""Stage 1, ingest: poll feeds (with XML repair) and download episode audio."""
