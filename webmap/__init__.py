"""The web map: one page for map clients, travellers, operators and planners."""
