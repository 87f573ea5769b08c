"""The data: models, migrations, the layer registry, the embedded PostGIS and layer queries."""
