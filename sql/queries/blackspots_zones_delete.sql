-- Hazard zones of kind 'blackspot' are derived from the black_spots layer: remove the derived ones
-- and the demo's hand-placed ones (source 'synthetic') before deriving again. Imported ones are kept.
DELETE FROM hazard_zones WHERE kind = 'blackspot' AND source IN ('black_spots', 'synthetic')
