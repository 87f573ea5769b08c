"""What a database holds, read the same way when a backup is taken (inside its snapshot) and
when a restore is checked: the schema revision, rows per table, the roles its privileges
name, the owner's default privileges and the media keys its rows refer to.

machimap's schema is the public schema; PostGIS's own objects there (spatial_ref_sys, its
views, functions and types) belong to the extension and are not counted as data.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from layers.backup.manifest import DefaultPrivilege
from layers.media.gc import REFERENCED

Conn = psycopg.Connection[Any]

# Objects of the public schema that no extension owns: what a restore would collide with,
# and what `restore --force` clears (same rules as _CLEAR in layers/backup/restore.py).
OBJECTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
         WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END, c.relname
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'routine', p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                   AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'type', t.typname
  FROM pg_type t
 WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                   AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""

_TABLES = """
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
   AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                   AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.relname
"""

# Every grantee of a privilege on the public schema or an object in it, except the object's
# own owner (pg_restore --no-owner makes the restoring role the owner) and PUBLIC (grantee 0).
_GRANTEES = """
SELECT DISTINCT pg_get_userbyid(a.grantee) FROM (
    SELECT relacl AS acl, relowner AS owner FROM pg_class
     WHERE relnamespace = 'public'::regnamespace
    UNION ALL SELECT nspacl, nspowner FROM pg_namespace WHERE nspname = 'public'
    UNION ALL SELECT proacl, proowner FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT typacl, typowner FROM pg_type WHERE typnamespace = 'public'::regnamespace
    UNION ALL SELECT defaclacl, defaclrole FROM pg_default_acl
  ) o CROSS JOIN LATERAL aclexplode(o.acl) a
 WHERE o.acl IS NOT NULL AND a.grantee <> 0 AND a.grantee <> o.owner
 ORDER BY 1
"""

# The default privileges the schema's owner (the role migrations ran as: alembic_version's
# owner) set in a schema; the ones of other roles are theirs and stay behind.
_DEFAULT_PRIVILEGES = """
SELECT n.nspname, d.defaclobjtype,
       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
       array_agg(a.privilege_type ORDER BY a.privilege_type)
  FROM pg_default_acl d
  JOIN pg_namespace n ON n.oid = d.defaclnamespace
  CROSS JOIN LATERAL aclexplode(d.defaclacl) a
 WHERE d.defaclrole = coalesce(
         (SELECT relowner FROM pg_class WHERE oid = to_regclass('public.alembic_version')),
         (SELECT oid FROM pg_roles WHERE rolname = current_user))
   AND d.defaclobjtype IN ('r', 'S', 'f', 'T')
 GROUP BY 1, 2, 3
 ORDER BY 1, 2, 3
"""
_ON = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES"}


def revision(conn: Conn) -> str | None:
    if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
    return str(row[0]) if row else None


def table_counts(conn: Conn) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (name,) in conn.execute(_TABLES).fetchall():
        query = sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(name))
        row = conn.execute(query).fetchone()
        counts[str(name)] = int(row[0]) if row else 0
    return counts


def objects(conn: Conn) -> list[tuple[str, str]]:
    return [(str(kind), str(name)) for kind, name in conn.execute(OBJECTS).fetchall()]


def grantees(conn: Conn) -> tuple[str, ...]:
    return tuple(str(name) for (name,) in conn.execute(_GRANTEES).fetchall())


def default_privileges(conn: Conn) -> tuple[DefaultPrivilege, ...]:
    return tuple(
        DefaultPrivilege(schema=schema, on=_ON[kind], grantee=grantee, privileges=tuple(privs))
        for schema, kind, grantee, privs in conn.execute(_DEFAULT_PRIVILEGES).fetchall()
    )


def referenced_keys(conn: Conn) -> list[str]:
    """The media keys the attachment rows refer to (the query gc keeps files by)."""
    if conn.execute("SELECT to_regclass('public.attachment')").fetchone() == (None,):
        return []
    return sorted({str(key) for (key,) in conn.execute(REFERENCED.text).fetchall()})


def versions(conn: Conn) -> tuple[str, str | None]:
    """PostgreSQL's version and PostGIS's (None when the extension is not installed)."""
    server = conn.execute("SHOW server_version").fetchone()
    postgis = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    row = postgis.fetchone()
    return str(server[0]) if server else "", str(row[0]) if row else None


def extension_tables_not_ours(conn: Conn) -> tuple[str, ...]:
    """Extension tables and views of the public schema the current role neither owns nor is
    a superuser over: it may not add rows to them or grant privileges on them."""
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace
              AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
              AND NOT pg_has_role(current_user, c.relowner, 'USAGE')
              AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            ORDER BY 1"""
    ).fetchall()
    return tuple(str(name) for (name,) in rows)


def roles_present(conn: Conn, names: tuple[str, ...]) -> set[str]:
    rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(names),))
    return {str(name) for (name,) in rows.fetchall()}
