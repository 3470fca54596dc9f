-- Empty risk_segments at once (the table's owner, in the transaction that fills it again).
TRUNCATE risk_segments
