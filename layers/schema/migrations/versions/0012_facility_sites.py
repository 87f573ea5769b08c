"""facility sites: the records that stand for one place

A city's open data lists one building in several datasets: 大富地域交流センター is a
住民センター (the facility list), a 指定避難所 (the shelter list), a 土のうステーション and an
AED site, each a row of its own a few metres apart. Residents see one place with its
roles (issue 15). ``facility.site_id`` names the place: the lowest site of a facility with
the same name (after NFKC and without spaces) within 100 m, else the row's own id. A
trigger keeps it as rows are written; a row that moves away keeps its site until renamed
or moved again, which a re-import of the dataset does.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from layers.schema.losses import Loss

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITE_FUNCTIONS = """
CREATE FUNCTION machimap_site_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(normalize(name, NFKC), '\\s+', '', 'g')
$$;

CREATE FUNCTION machimap_assign_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.site_id := coalesce((
    SELECT o.site_id FROM facility o
    WHERE o.id <> NEW.id AND o.site_id IS NOT NULL
      AND machimap_site_key(o.name) = machimap_site_key(NEW.name)
      AND ST_DWithin(o.geom::geography, NEW.geom::geography, 100)
    ORDER BY o.site_id LIMIT 1), NEW.id);
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.add_column("facility", sa.Column("site_id", sa.BigInteger(), nullable=True))
    op.execute(SITE_FUNCTIONS)
    op.create_index("ix_facility_site_key", "facility", [sa.text("machimap_site_key(name)")])
    op.create_index("ix_facility_site_id", "facility", ["site_id"])
    # Existing rows in id order, so each joins the lowest site near it of its name.
    op.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT id FROM facility ORDER BY id LOOP
            UPDATE facility f SET site_id = coalesce((
              SELECT o.site_id FROM facility o
              WHERE o.id < f.id AND o.site_id IS NOT NULL
                AND machimap_site_key(o.name) = machimap_site_key(f.name)
                AND ST_DWithin(o.geom::geography, f.geom::geography, 100)
              ORDER BY o.site_id LIMIT 1), f.id)
            WHERE f.id = r.id;
          END LOOP;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER facility_site BEFORE INSERT OR UPDATE OF name, geom ON facility "
        "FOR EACH ROW EXECUTE FUNCTION machimap_assign_site()"
    )


# Derived from names and places, rebuilt by upgrade: nothing a downgrade loses.
LOSES: list[Loss] = []


def downgrade() -> None:
    op.execute("DROP TRIGGER facility_site ON facility")
    op.drop_index("ix_facility_site_id", table_name="facility")
    op.drop_index("ix_facility_site_key", table_name="facility")
    op.execute("DROP FUNCTION machimap_assign_site()")
    op.execute("DROP FUNCTION machimap_site_key(text)")
    op.drop_column("facility", "site_id")
