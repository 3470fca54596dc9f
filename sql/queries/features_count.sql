-- How many features of a layer match the same filters as features_items.sql.
SELECT count(*) FROM {table} WHERE {where}
