-- One evaluation of the warnings at a time (two workers posting readings at once must not both issue
-- the same condition's warning): a transaction-level advisory lock on a fixed key.
SELECT pg_advisory_xact_lock(hashtext('daoan.warnings.evaluate'))
