"""Vector tiles of every layer: MVT, TileJSON, OGC API – Tiles, a cache, seeding and a map style."""
