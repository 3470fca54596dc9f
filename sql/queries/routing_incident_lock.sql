-- Lock one incident's row until the end of the transaction: changes and ends of an incident are
-- serialized (read, merge and write under the lock); none if there is no such incident.
SELECT id FROM incidents WHERE id = :id FOR UPDATE
