"""OGC API - Features at /ogc: request parsing, documents and HTML (routes in
api/serving/routes/ogc.py, SQL in layers/serving/features.py)."""
