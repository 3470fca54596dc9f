-- --replace: delete the key vehicles the imported file does not hold.
DELETE FROM key_vehicles WHERE plate NOT IN (SELECT plate FROM registry_stage)
