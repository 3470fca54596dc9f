-- A read replica's state (gis/replicas.py): whether it is a standby, the WAL position its data reflects
-- (replayed; a promoted or primary server: its current position), and how far behind it is in seconds:
-- 0 when it has replayed all it received (or receives nothing: the primary is away), else the age of
-- the last transaction it replayed.
SELECT pg_is_in_recovery() AS standby,
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
       CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NULL
                 OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()
            THEN 0.0
            ELSE COALESCE(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0.0)::float8
       END AS lag_s
