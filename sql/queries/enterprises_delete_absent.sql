-- --replace: delete the enterprises the imported file does not hold.
DELETE FROM enterprises WHERE code NOT IN (SELECT code FROM registry_stage)
