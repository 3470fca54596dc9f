-- Forget the hazard zones derived from a raster (before they are derived again, same transaction).
DELETE FROM hazard_zones WHERE source = :source
