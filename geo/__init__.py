"""Pure spatial helpers (CRS handling, coordinate and geometry validation); no web or DB code."""
