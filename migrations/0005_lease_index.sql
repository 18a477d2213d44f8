-- gatewayd schema, version 5: the watcher's "when does an in-flight attempt's lease run out" becomes an index
-- lookup (it read the whole table: 5.6 ms at 100,000 rows, see BENCHMARKS.md).

CREATE INDEX platforms_leases ON platforms (lease_until) WHERE state = 'connecting';
