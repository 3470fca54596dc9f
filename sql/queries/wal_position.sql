-- The primary's WAL position after a write committed: a read-your-writes token (gis/replicas.py).
SELECT pg_current_wal_lsn()::text
