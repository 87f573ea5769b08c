"""District assignment for bulk imports, vectorised.

The database assigns districts on every write (trigger ``machimap_district_for``); a bulk
import of a million points computes the same answer a batch at a time with a GEOS STRtree
over the same subdivided district parts, then hands the database rows that already carry
their district, so the trigger's per-row lookup is skipped. The rule is the trigger's: the
deepest district containing the representative point; failing that, the deepest within the
boundary tolerance; failing that, outside the city (when a city boundary exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
import pyproj
import shapely
from numpy.typing import NDArray


@dataclass
class Located:
    district_ids: NDArray[np.int64]  # -1: no district (none loaded, or outside)
    outside: NDArray[np.bool_]  # True: beyond the tolerance from every district


class Locator:
    def __init__(self, conn: psycopg.Connection[Any], tolerance_m: float):
        rows = conn.execute(
            "SELECT district_id, depth, ST_AsBinary(geom) FROM district_part ORDER BY id"
        ).fetchall()
        self.has_city = bool(
            conn.execute("SELECT EXISTS (SELECT 1 FROM district WHERE level = 'city')").fetchone()
            == (True,)
        )
        self.tolerance_m = tolerance_m
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.depths = np.array([r[1] for r in rows], dtype=np.int64)
        parts = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else np.array([])
        self.empty = len(rows) == 0
        if self.empty:
            return
        # Distances in metres in a local equidistant projection around the districts: exact
        # enough for a tolerance of metres and needs no per-city setting.
        lon, lat = shapely.centroid(shapely.union_all(shapely.envelope(parts))).coords[0]
        local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84")
        self._to_local = pyproj.Transformer.from_crs(4326, local, always_xy=True)
        self.tree = shapely.STRtree(parts)
        self.local_tree = shapely.STRtree(self._local(parts))

    def _local(self, geoms: NDArray[Any]) -> NDArray[Any]:
        local: NDArray[Any] = shapely.transform(
            geoms, lambda xy: np.column_stack(self._to_local.transform(xy[:, 0], xy[:, 1]))
        )
        return local

    def locate(self, geoms: NDArray[Any]) -> Located:
        count = len(geoms)
        ids = np.full(count, -1, dtype=np.int64)
        outside = np.zeros(count, dtype=np.bool_)
        if self.empty or count == 0:
            return Located(ids, outside)
        points = shapely.point_on_surface(geoms)
        self._deepest(self.tree.query(points, predicate="intersects"), ids)
        missing = np.flatnonzero(ids < 0)
        if len(missing):
            near = self.local_tree.query(
                self._local(points[missing]), predicate="dwithin", distance=self.tolerance_m
            )
            found = np.full(len(missing), -1, dtype=np.int64)
            self._deepest(near, found)
            ids[missing] = found
            outside[missing] = (found < 0) & self.has_city
        return Located(ids, outside)

    def _deepest(self, pairs: NDArray[np.int64], out: NDArray[np.int64]) -> None:
        """For each input index, the district of the deepest matching part."""
        if pairs.shape[1] == 0:
            return
        inputs, parts = pairs
        order = np.lexsort((-self.depths[parts], inputs))  # by input, deepest first
        inputs, parts = inputs[order], parts[order]
        first = np.concatenate(([True], inputs[1:] != inputs[:-1]))
        out[inputs[first]] = self.ids[parts[first]]
