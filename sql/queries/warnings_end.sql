-- End warning :id at :at: lifted (its condition no longer holds) or superseded by :superseded_by.
UPDATE warnings SET expires_at = greatest(:at, issued_at), updated_at = :at, superseded_by = :superseded_by
WHERE id = :id AND expires_at > :at
