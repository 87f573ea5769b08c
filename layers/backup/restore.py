"""`machimap restore FILE`: a backup back into a database and the media store.

Everything that can refuse is checked before anything changes: the manifest (a schema
revision newer than this code knows is refused), the client programs' version, the roles
the dump grants to, whether the target already holds data (refused unless --force), and
then every file of the backup against its hash while it is read. Media files go into the
store first: content-addressed, an extra file is harmless, and a damaged one stops the
restore before the database is touched. The database is then restored in one transaction
(psql --single-transaction): clearing what --force replaces, the dump, and the grants, all
or nothing. Finally the result is checked against the manifest (revision, rows per table,
every file's hash) and an older schema is upgraded to this code's head.

Roles: objects are restored owned by the restoring role (the schema's owner, which runs the
migrations), never by whoever owned them where the backup was made (pg_restore --no-owner).
The dump's GRANTs to machimap_app are kept as they were (what it may read, write, only add
to); the role is created (NOLOGIN, as migration 0007 does) where it is missing and may be.
The owner's default privileges, which name the old owner, are applied anew for the
restoring role, so tables later migrations create are the service's to use too.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from alembic.script import ScriptDirectory
from psycopg import sql

from layers.backup import inventory
from layers.backup.archive import CHUNK, copy_out, sha256_of
from layers.backup.clients import Clients, failed, find_clients, major_of, reach, run
from layers.backup.inventory import Conn
from layers.backup.lock import hold
from layers.backup.manifest import (
    DUMP,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    Manifest,
    MediaFile,
    listed,
)
from layers.backup.where import Database, database
from layers.media.storage import MediaStore, media_store
from layers.schema import migrate
from layers.store.embedded import APP_ROLE
from layers.store.refusals import Refused
from layers.store.settings import Settings

APPLICATION = "machimap restore"
_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_MANIFEST_LIMIT = 256 * 1024 * 1024

# TOC entries left out of the restore. DEFAULT ACL names the old owner (FOR ROLE …): applied
# anew for the restoring role instead. COMMENT ON EXTENSION needs the extension's owner,
# which an operator's restoring role is not when a superuser installed PostGIS; the comment
# is the extension's own anyway.
_LEFT_OUT = re.compile(r"^\d+; \d+ \d+ (DEFAULT ACL|COMMENT - EXTENSION) ")
# PostGIS's own tables and views (spatial_ref_sys and the catalogue views): their rows added
# by hand and their GRANTs, left out where the restoring role may not write or grant them
# (an operator's database, PostGIS installed by a superuser).
_EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (?:TABLE DATA public|ACL public TABLE) (\S+) ")

_CREATE_APP_ROLE = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} NOLOGIN;
  END IF;
END $$"""

# What --force replaces: every object of the public schema no extension owns (the objects
# inventory.OBJECTS lists), tables first. Names are taken before the first drop; an object
# a CASCADE already took is skipped (IF EXISTS).
_CLEAR = """
DO $$
DECLARE statement text;
BEGIN
  FOREACH statement IN ARRAY coalesce((
    SELECT array_agg(s ORDER BY rank, s) FROM (
      SELECT CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 1 WHEN c.relkind = 'S' THEN 3
                  ELSE 2 END AS rank,
             format('DROP %s IF EXISTS %s CASCADE',
                    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                    c.oid::regclass) AS s
        FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace
         AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'e')
      UNION ALL
      SELECT 4, format('DROP %s IF EXISTS %s CASCADE',
                       CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE'
                         ELSE 'FUNCTION' END,
                       p.oid::regprocedure)
        FROM pg_proc p
       WHERE p.pronamespace = 'public'::regnamespace
         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                         AND d.objid = p.oid AND d.deptype = 'e')
      UNION ALL
      SELECT 5, format('DROP %s IF EXISTS %s CASCADE',
                       CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype)
        FROM pg_type t
       WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
         AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                         AND d.objid = t.oid AND d.deptype = 'e')
    ) dropped), '{}')
  LOOP
    EXECUTE statement;
  END LOOP;
END $$"""

# The restoring role's default privileges in the public schema would be given to every object
# the dump creates, on top of the dump's own GRANTs (pg_dump writes them against an object
# that starts with no privileges): a restore over one made before would leave machimap_app
# free to rewrite the audit log. They go first; the backup's are applied after the dump.
_NO_DEFAULT_PRIVILEGES = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT d.defaclobjtype AS kind, a.grantee
             FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a
            WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
              AND d.defaclnamespace = 'public'::regnamespace
              AND d.defaclobjtype IN ('r', 'S', 'f', 'T')
  LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON %s FROM %s',
      CASE r.kind WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                  WHEN 'f' THEN 'FUNCTIONS' ELSE 'TYPES' END,
      CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END);
  END LOOP;
END $$"""

# Migration 0007 grants this on the database; a dump holds no database-level privileges.
_CONNECT = f"""
DO $$ BEGIN
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP_ROLE}', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'may not grant {APP_ROLE} CONNECT on this database: ask its owner';
END $$"""


@dataclass(frozen=True)
class Restored:
    target: str
    manifest: Manifest
    restored_revision: str | None
    revision: str | None  # after upgrading
    rows: int
    files_written: int
    files_present: int  # already in the store, same bytes
    replaced: int  # objects --force cleared
    not_ours: tuple[str, ...]  # PostGIS tables whose rows and grants were left out
    app_role: str  # what the service's role may do now
    problems: tuple[str, ...]  # differences from the manifest found afterwards
    seconds: float


def read_manifest(path: Path) -> Manifest:
    """The backup's manifest, refused when the file is no complete machimap backup."""
    with _open(path) as tar:
        return _manifest(tar, path)


def restore(
    path: Path,
    *,
    force: bool = False,
    wait_s: float = 600.0,
    say: Callable[[str], None] = lambda _: None,
    settings: Settings | None = None,
) -> Restored:
    started = time.monotonic()
    with _open(path) as tar:
        manifest = _manifest(tar, path)
        _known_revision(manifest)
        db = database(settings)
        store = media_store(settings)
        with db.connect(APPLICATION) as conn:
            server_version, _ = inventory.versions(conn)
            clients = find_clients(db.bindir, server_version)
            _readable(clients, manifest)
            create_app_role = _roles(conn, manifest)
            existing = inventory.objects(conn)
            if existing and not force:
                raise _holds_data(conn, db, existing)
            hold(conn, exclusive=True, wait_s=wait_s, say=say)
            with tempfile.TemporaryDirectory(prefix="machimap-restore-") as work:
                dump = Path(work) / DUMP
                say("バックアップを検証しています / verifying the backup")
                written, present = _unpack(tar, path, manifest, dump, store)
                say("データベースを復元しています / restoring the database")
                not_ours = inventory.extension_tables_not_ours(conn)
                _restore_database(
                    db, clients, manifest, dump, Path(work), create_app_role, existing, not_ours
                )
            restored_revision = inventory.revision(conn)
            counts = inventory.table_counts(conn)
            problems = _check(conn, manifest, restored_revision, counts, store)
            revision = restored_revision
            if not problems and restored_revision != migrate.head_revision():
                say(
                    f"スキーマを {restored_revision} から更新しています / "
                    f"upgrading the schema from {restored_revision}"
                )
                migrate.upgrade(db.url)
                revision = inventory.revision(conn)
            app_role = _app_role(conn)
    return Restored(
        target=db.describe(),
        manifest=manifest,
        restored_revision=restored_revision,
        revision=revision,
        rows=sum(counts.values()),
        files_written=written,
        files_present=present,
        replaced=len(existing),
        not_ours=not_ours,
        app_role=app_role,
        problems=problems,
        seconds=time.monotonic() - started,
    )


# --- before anything changes ------------------------------------------------------------------


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise Refused(f"{path} がありません。", f"no file {path}", status=404)
    try:
        return tarfile.open(path, mode="r:")
    except tarfile.TarError as exc:
        raise _not_a_backup(path, str(exc)) from exc


def _not_a_backup(path: Path, why: str) -> Refused:
    return Refused(
        f"{path} は machimap のバックアップではないか、完全ではありません（{why}）。",
        f"{path} is not a machimap backup, or not a complete one ({why})",
    )


def _manifest(tar: tarfile.TarFile, path: Path) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        # Written last: a backup cut short (disk full, killed) has none.
        raise _not_a_backup(path, f"no {MANIFEST}") from None
    if not member.isfile() or member.size > _MANIFEST_LIMIT:
        raise _not_a_backup(path, f"{MANIFEST} is no manifest")
    source = tar.extractfile(member)
    assert source is not None
    data = source.read()
    try:
        head = json.loads(data)
    except ValueError as exc:
        raise _not_a_backup(path, f"{MANIFEST}: {exc}") from exc
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise _not_a_backup(path, f"{MANIFEST} is not a {FORMAT} manifest")
    if not isinstance(head.get("format_version"), int) or head["format_version"] > FORMAT_VERSION:
        raise Refused(
            f"このバックアップは新しい machimap（{head.get('machimap_version')}）の形式"
            f"（{head.get('format_version')}）です。その版の machimap で復元してください。",
            f"this backup is in format {head.get('format_version')} of a newer machimap "
            f"({head.get('machimap_version')}); restore it with that version",
            status=409,
        )
    return Manifest.from_json(data)


def _known_revision(manifest: Manifest) -> None:
    revision = manifest.schema_revision
    scripts = ScriptDirectory(str(migrate.MIGRATIONS))
    known = {script.revision for script in scripts.walk_revisions()}
    if revision is None or revision in known:
        return
    head = migrate.head_revision()
    raise Refused(
        f"このバックアップのスキーマ（リビジョン {revision}）は、この machimap が知っている"
        f"最新（{head}）より新しいものです。作成した machimap {manifest.machimap_version} "
        "以降で復元してください。何も変更していません。",
        f"this backup holds schema revision {revision}, newer than any this machimap knows "
        f"(its latest is {head}); restore it with machimap {manifest.machimap_version} or "
        "later. Nothing was changed.",
        status=409,
        revision=revision,
        head=head,
    )


def _readable(clients: Clients, manifest: Manifest) -> None:
    made_by = major_of(manifest.dump.pg_dump_version)
    if clients.major < made_by:
        raise Refused(
            f"このバックアップは pg_dump {manifest.dump.pg_dump_version} で作られました。"
            f"pg_restore {clients.version}（{clients.bindir}）では読めません。"
            f"postgresql-client-{made_by} 以降をインストールしてください。",
            f"this backup was made by pg_dump {manifest.dump.pg_dump_version}, which "
            f"pg_restore {clients.version} ({clients.bindir}) cannot read; install "
            f"postgresql-client-{made_by} or newer",
            status=409,
        )


def _roles(conn: Conn, manifest: Manifest) -> bool:
    """Whether machimap_app is to be created; Refused for other roles the dump grants to
    that are missing, or machimap_app missing where the restoring role may not create it."""
    missing = sorted(set(manifest.roles) - inventory.roles_present(conn, manifest.roles))
    others = [role for role in missing if role != APP_ROLE]
    if others:
        names = ", ".join(others)
        raise Refused(
            f"バックアップが権限を与えているロールがこのサーバーにありません: {names}。"
            "先に作成してください（CREATE ROLE …）。何も変更していません。",
            f"roles the backup grants privileges to do not exist on this server: {names}; "
            "create them first (CREATE ROLE …). Nothing was changed.",
            status=409,
            roles=others,
        )
    if APP_ROLE not in missing:
        return False
    row = conn.execute(
        "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    if row and row[0]:
        return True
    raise Refused(
        f"アプリケーションのロール {APP_ROLE} がなく、{conn.info.user} には作成する権限が"
        f"ありません。管理者が CREATE ROLE {APP_ROLE} LOGIN PASSWORD '…' を実行してから"
        "やり直してください。何も変更していません。",
        f"the application role {APP_ROLE} does not exist and {conn.info.user} may not create "
        f"it; have an administrator run CREATE ROLE {APP_ROLE} LOGIN PASSWORD '…' and try "
        "again. Nothing was changed.",
        status=409,
    )


def _holds_data(conn: Conn, db: Database, existing: list[tuple[str, str]]) -> Refused:
    revision = inventory.revision(conn)
    counts = inventory.table_counts(conn)
    filled = sorted(((n, t) for t, n in counts.items() if n), reverse=True)
    rows = sum(counts.values())
    listed = ", ".join(f"{table} {n:,}" for n, table in filled[:8])
    if len(filled) > 8:
        listed += f", … (+{len(filled) - 8})"
    tables = sum(1 for kind, _ in existing if kind == "table")
    return Refused(
        f"{db.describe()} には既にデータがあります: スキーマ {revision or '不明'}、"
        f"表 {tables}、オブジェクト {len(existing)}、{rows:,} 行（{listed or '行なし'}）。"
        "上書きしません。置き換える場合は --force を付けてください。何も変更していません。",
        f"{db.describe()} already holds data: schema {revision or 'unknown'}, {tables} tables, "
        f"{len(existing)} objects, {rows:,} rows ({listed or 'no rows'}). It is not "
        "overwritten; to replace it, run again with --force. Nothing was changed.",
        status=409,
        revision=revision,
        rows=rows,
    )


# --- the files ---------------------------------------------------------------------------------


def _unpack(
    tar: tarfile.TarFile, path: Path, manifest: Manifest, dump: Path, store: MediaStore
) -> tuple[int, int]:
    """The dump to a file and the media into the store, every byte checked against the
    manifest first; (files written, files already there with the same bytes)."""
    expected = {MEDIA + f.key: f for f in manifest.media.files}
    seen: set[str] = set()
    damaged: list[str] = []
    written = present = 0
    have_dump = False
    for member in tar:
        name = member.name
        if name == MANIFEST:
            continue
        if not member.isfile() or name in seen or (name != DUMP and name not in expected):
            raise _not_a_backup(path, f"unexpected member {name!r}")
        seen.add(name)
        source = tar.extractfile(member)
        assert source is not None
        if name == DUMP:
            with open(dump, "wb") as out:
                size, sha = copy_out(source, out)
            if (size, sha) != (manifest.dump.size, manifest.dump.sha256):
                raise _damaged([DUMP])
            have_dump = True
            continue
        file = expected[name]
        if member.size != file.size:
            damaged.append(file.key)
            continue
        outcome = _put(store, file, source)
        if outcome is None:
            damaged.append(file.key)
        elif outcome:
            written += 1
        else:
            present += 1
    absent = sorted(f.key for n, f in expected.items() if n not in seen)
    if not have_dump:
        absent.insert(0, DUMP)
    if damaged:
        raise _damaged(damaged)
    if absent:
        raise _not_a_backup(path, "missing:\n" + listed(absent))
    return written, present


def _put(store: MediaStore, file: MediaFile, source: IO[bytes]) -> bool | None:
    """Puts one file into the store: True written, False already there, None damaged. One
    photo at a time is read whole (the store writes whole files, fsynced and renamed)."""
    data = source.read()
    if hashlib.sha256(data).hexdigest() != file.sha256:
        return None
    try:
        there = store.path(file.key)
    except Refused:
        there = None
    if there is not None:
        if sha256_of(there) == file.sha256:
            return False
        # Same name, other bytes: the store would keep them (it trusts a name of the right
        # size), so the damaged copy goes first.
        store.delete(file.key)
    key = store.put(data, _TYPES[file.key.rsplit(".", 1)[1]])
    assert key == file.key, (key, file.key)
    return True


def _damaged(keys: list[str]) -> Refused:
    names = listed(keys)
    return Refused(
        f"バックアップの次のファイルが目録のハッシュと合いません（破損）:\n{names}\n"
        "データベースは変更していません。別のバックアップを使ってください。",
        f"these files of the backup do not match the manifest's hashes, they are damaged:\n"
        f"{names}\nThe database was not changed. Use another backup.",
        status=422,
        damaged=keys,
    )


# --- the database ------------------------------------------------------------------------------


def _restore_database(
    db: Database,
    clients: Clients,
    manifest: Manifest,
    dump: Path,
    work: Path,
    create_app_role: bool,
    existing: list[tuple[str, str]],
    not_ours: tuple[str, ...],
) -> None:
    """pg_restore's SQL through psql in one transaction, with what comes before (the role,
    clearing for --force) and after (grants): all of it, or on any error none of it."""
    target = reach(db.url, APPLICATION)
    toc = run(
        [clients.path("pg_restore"), "--list", str(dump)], target.env, "pg_restore", "pg_restore"
    )

    def left_out(line: str) -> bool:
        extension = _EXTENSION_ENTRY.match(line)
        return bool(_LEFT_OUT.match(line) or (extension and extension.group(1) in not_ours))

    listing = work / "restore.list"
    listing.write_text("\n".join(f";{e}" if left_out(e) else e for e in toc.splitlines()))
    before = [_CREATE_APP_ROLE] if create_app_role else []
    before += [*([_CLEAR] if existing else []), _NO_DEFAULT_PRIVILEGES]
    after = _grants(manifest)
    psql = [clients.path("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
    psql += ["--set=ON_ERROR_STOP=1", f"--dbname={target.conninfo}"]
    for statement in before:
        psql += ["--command", statement]
    psql += ["--file=-"]
    for statement in after:
        psql += ["--command", statement]
    producer_args = [clients.path("pg_restore"), "--no-owner", f"--use-list={listing}"]
    producer_args += ["--file=-", str(dump)]
    with (
        (work / "pg_restore.err").open("w+") as producer_err,
        (work / "psql.err").open("w+") as consumer_err,
    ):
        producer = subprocess.Popen(
            producer_args, stdout=subprocess.PIPE, stderr=producer_err, env=target.env
        )
        consumer = subprocess.Popen(
            psql,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=consumer_err,
            env=target.env,
        )
        assert producer.stdout is not None and consumer.stdin is not None
        # Relayed rather than piped directly: psql commits when its input ends, so it must
        # not see the end of a script pg_restore did not finish. Only once pg_restore has
        # succeeded is psql's input closed; otherwise psql is stopped before its COMMIT.
        broken = False
        try:
            while chunk := producer.stdout.read(CHUNK):
                consumer.stdin.write(chunk)
        except BrokenPipeError:
            broken = True  # psql stopped at an error; it says which below
        if broken or producer.wait() != 0:
            producer.kill()
            producer.wait()
            consumer.kill()
            consumer.wait()
            consumer_err.seek(0)
            producer_err.seek(0)
            raise failed(
                "データベースの復元（何も変更していません）",
                "restoring the database (nothing was changed)",
                consumer_err.read() + producer_err.read(),
            )
        consumer.stdin.close()
        if consumer.wait() != 0:
            consumer_err.seek(0)
            raise failed(
                "データベースの復元（何も変更していません）",
                "restoring the database (nothing was changed)",
                consumer_err.read(),
            )


def _grants(manifest: Manifest) -> list[str]:
    statements = [_CONNECT] if APP_ROLE in manifest.roles else []
    for default in manifest.default_privileges:
        grantee = (
            sql.SQL("PUBLIC") if default.grantee == "PUBLIC" else sql.Identifier(default.grantee)
        )
        statement = sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT {} ON {} TO {}").format(
            sql.Identifier(default.schema_),
            sql.SQL(", ").join(sql.SQL(p) for p in default.privileges if p.isalpha()),
            sql.SQL(default.on),
            grantee,
        )
        statements.append(statement.as_string(None))
    return statements


# --- afterwards --------------------------------------------------------------------------------


def _check(
    conn: Conn,
    manifest: Manifest,
    revision: str | None,
    counts: dict[str, int],
    store: MediaStore,
) -> tuple[str, ...]:
    problems: list[str] = []
    if revision != manifest.schema_revision:
        problems.append(f"schema revision {revision}, the manifest says {manifest.schema_revision}")
    for table in sorted(set(counts) | set(manifest.tables)):
        have, want = counts.get(table), manifest.tables.get(table)
        if have != want:
            problems.append(f"table {table}: {have} rows, the manifest says {want}")
    for file in manifest.media.files:
        try:
            sha = sha256_of(store.path(file.key))
        except Refused:
            problems.append(f"file {file.key} is missing from {store.root}")
            continue
        if sha != file.sha256:
            problems.append(f"file {file.key} does not match its hash")
    stored = {f.key for f in manifest.media.files}
    recorded = set(manifest.media.missing)
    for key in inventory.referenced_keys(conn):
        if key not in stored and key not in recorded:
            problems.append(f"file {key} is referred to but is not in the backup")
    return tuple(problems)


def _app_role(conn: Conn) -> str:
    """What the service's role may do in the restored database, in a line."""
    role = conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
    login = role.fetchone()
    if login is None:
        return f"{APP_ROLE} does not exist"
    tables = [name for kind, name in inventory.objects(conn) if kind == "table"]
    may = conn.execute(
        "SELECT count(*) FILTER (WHERE has_table_privilege(%(role)s, t, 'SELECT')), "
        "count(*) FILTER (WHERE has_table_privilege(%(role)s, t, 'INSERT')) "
        "FROM (SELECT ('public.' || quote_ident(n))::regclass AS t "
        "FROM unnest(%(names)s::text[]) n) x",
        {"role": APP_ROLE, "names": tables},
    ).fetchone()
    reads, writes = may if may else (0, 0)
    how = "may sign in" if login[0] else "NOLOGIN: give it LOGIN and a password to use it"
    return f"{APP_ROLE} reads {reads} and adds to {writes} of {len(tables)} tables, {how}"
