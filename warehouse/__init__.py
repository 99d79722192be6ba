"""The ClickHouse warehouse: one interface, two backends (embedded chdb; a server via clickhouse-driver)."""
