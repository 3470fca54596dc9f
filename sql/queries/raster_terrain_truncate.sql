-- Empty segment_terrain at once (the table's owner, in the transaction that fills it again).
TRUNCATE segment_terrain
