"""Ground floor of Daoan: settings, database, SQL loading, errors, geometry helpers."""
