"""On-demand benchmarks (not tests): synthetic APC extracts and the timed ingest against a DuckDB reference."""
