-- Forget the previous model's view of the segments (analysis/risk.py store writes the new one).
DELETE FROM risk_segments
