"""The layer catalogue: every layer declared once, serving features, tiles and the style."""
