"""Accident analysis (issue 15): records, black spots, network kernel density, risk and warnings."""
