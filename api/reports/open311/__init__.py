"""Open311 GeoReport v2: its answers in XML and JSON, and its own error format."""
