"""The DuckDB warehouse: schema, migrations, the single writer's upserts and read-only queries."""
