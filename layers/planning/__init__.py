"""Facility renewal planning (公共施設等総合管理計画): the 40-year renewal cost projection
under named scenarios (projection.py, scenarios.py; the arithmetic is geo.renewal), what to
renew first (priority.py), who each facility serves and what a merger or closure changes
(population.py, coverage.py, mergers.py, suggestions.py), and where hazards and reports
cluster (hotspots.py). Staff only (Action.facility_plan)."""
