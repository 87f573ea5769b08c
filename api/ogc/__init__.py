"""OGC API - Features at /ogc: request parsing, documents and HTML (routes: api/routers/ogc.py,
SQL: layers/features_query.py)."""
