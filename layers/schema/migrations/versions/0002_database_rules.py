"""database rules: timestamps, district assignment, city boundary, audit, layer versions

The rules live in the database so every write path (API, import, COPY, psql) obeys them.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

from layers.schema.losses import Loss

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPED = (
    "city",
    "department",
    "district",
    "layer_metadata",
    "school_district",
    "user_account",
    "facility",
    "hazard",
    "report_category",
    "report",
    "report_status_change",
    "report_supporter",
    "community_group",
    "membership",
    "safety_map",
    "safety_map_feature",
    "patrol",
    "patrol_observation",
    "inspection",
    "inspection_part_grade",
    "attachment",
)
# Tables whose rows carry a point/line/area that belongs to a district.
LOCATED = ("facility", "hazard", "report", "safety_map_feature", "patrol_observation")
# Registry layers and the tables whose writes change what the layer shows.
LAYER_TABLES = {
    "district": "district",
    "school_district": "school_district",
    "facility": "facility",
    "hazard": "hazard",
    "report": "report",
    "safety_map_feature": "safety_map_feature",
    "patrol": "patrol",
}

FUNCTIONS = r"""
CREATE FUNCTION machimap_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

CREATE FUNCTION machimap_tolerance_m() RETURNS double precision LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('machimap.boundary_tolerance_m', true), '')::float8, 50)
$$;

-- The finest district containing a geometry's representative point; a point just outside
-- every district (GPS error at the border) gets the nearest one within the tolerance.
-- Outside the city boundary beyond the tolerance the write is refused (SQLSTATE MM001).
CREATE FUNCTION machimap_district_for(g geometry) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  p geometry := ST_PointOnSurface(g);
  found bigint;
BEGIN
  SELECT dp.district_id INTO found FROM district_part dp
   WHERE ST_Intersects(dp.geom, p) ORDER BY dp.depth DESC LIMIT 1;
  IF found IS NOT NULL THEN
    RETURN found;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM district) THEN
    RETURN NULL;  -- no boundary imported yet: nothing to check against
  END IF;
  SELECT d.id INTO found FROM district d
   WHERE ST_DWithin(d.geom::geography, p::geography, machimap_tolerance_m())
   ORDER BY d.depth DESC, ST_Distance(d.geom::geography, p::geography) LIMIT 1;
  IF found IS NULL AND EXISTS (SELECT 1 FROM district WHERE level = 'city') THEN
    RAISE EXCEPTION USING ERRCODE = 'MM001',
      MESSAGE = format('outside the city boundary (more than %s m): %s',
                       machimap_tolerance_m(), ST_AsText(p, 6));
  END IF;
  RETURN found;
END $$;

CREATE FUNCTION machimap_assign_district() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.district_id := machimap_district_for(NEW.geom);
  RETURN NEW;
END $$;

CREATE FUNCTION machimap_district_parts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM district_part WHERE district_id = OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO district_part (district_id, depth, geom)
    SELECT NEW.id, NEW.depth, part FROM ST_Subdivide(NEW.geom, 64) AS part;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION machimap_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'MM002', MESSAGE = TG_TABLE_NAME || ' is append-only';
END $$;

CREATE FUNCTION machimap_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE layer_metadata SET version = version + 1, data_updated_at = now()
   WHERE layer_id = TG_ARGV[0];
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    for table in TIMESTAMPED:
        op.execute(
            f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION machimap_set_updated_at()"
        )
    for table in LOCATED:
        # WHEN keeps bulk loads that computed district_id set-based free of per-row calls.
        op.execute(
            f"CREATE TRIGGER {table}_district_insert BEFORE INSERT ON {table} FOR EACH ROW "
            "WHEN (NEW.district_id IS NULL AND NEW.geom IS NOT NULL) "
            "EXECUTE FUNCTION machimap_assign_district()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_district_update BEFORE UPDATE OF geom ON {table} "
            "FOR EACH ROW WHEN (NEW.geom IS NOT NULL "
            "AND NOT ST_Equals(NEW.geom, OLD.geom) "
            "AND NEW.district_id IS NOT DISTINCT FROM OLD.district_id) "
            "EXECUTE FUNCTION machimap_assign_district()"
        )
    op.execute(
        "CREATE TRIGGER district_parts AFTER INSERT OR DELETE OR UPDATE OF geom, level "
        "ON district FOR EACH ROW EXECUTE FUNCTION machimap_district_parts()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION machimap_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION machimap_append_only()"
    )
    for layer, table in LAYER_TABLES.items():
        op.execute(
            f"CREATE TRIGGER {table}_layer_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION machimap_bump_layer_version('{layer}')"
        )


# No data is lost: only rules go, and upgrade brings every one of them back. Until it does,
# the audit log loses its append-only guard (rows can be changed or deleted unnoticed),
# writes keep a stale updated_at, new located rows get no district and may lie outside the
# city, district_part stops following district, and layer versions stop moving. That is a
# protection lost for a while, not data, so it is not a loss to refuse: counting it would
# make every downgrade below 0002 need --force, even on an empty database, and an operator
# who always types --force is no longer warned about the data that matters.
LOSES: list[Loss] = []


def downgrade() -> None:
    for table in LAYER_TABLES.values():
        op.execute(f"DROP TRIGGER {table}_layer_version ON {table}")
    op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute("DROP TRIGGER district_parts ON district")
    for table in LOCATED:
        op.execute(f"DROP TRIGGER {table}_district_update ON {table}")
        op.execute(f"DROP TRIGGER {table}_district_insert ON {table}")
    for table in TIMESTAMPED:
        op.execute(f"DROP TRIGGER {table}_updated_at ON {table}")
    for fn in (
        "machimap_bump_layer_version()",
        "machimap_append_only()",
        "machimap_district_parts()",
        "machimap_assign_district()",
        "machimap_district_for(geometry)",
        "machimap_tolerance_m()",
        "machimap_set_updated_at()",
    ):
        op.execute(f"DROP FUNCTION {fn}")
