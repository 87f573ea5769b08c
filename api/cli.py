"""`machimap`: the operator's command line (serve, database, city, import, demo, accounts,
departments, outbox)."""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from tqdm import tqdm

from geo.crs import parse_crs
from geo.formats import is_csv
from layers.accounts.users import Role
from layers.schema import migrate
from layers.store.db import database_url, embedded_cluster, libpq_url, session_scope
from layers.store.embedded import EmbeddedError, install_system_packages
from layers.store.refusals import Refused
from layers.store.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(
    help="machimap — 協働のまちづくりのための地図サービス / community mapping for cities",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="The database (embedded PostGIS unless DATABASE_URL is set).", no_args_is_help=True
)
city_app = typer.Typer(help="The city this instance serves.", no_args_is_help=True)
user_app = typer.Typer(
    help="Accounts: residents, staff and administrators (アカウント).", no_args_is_help=True
)
department_app = typer.Typer(help="The city's departments (部署).", no_args_is_help=True)
outbox_app = typer.Typer(
    help="Notifications waiting to be sent (送信待ちの通知).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(city_app, name="city")
app.add_typer(user_app, name="user")
app.add_typer(department_app, name="department")
app.add_typer(outbox_app, name="outbox")
media_app = typer.Typer(help="Stored photo files.", no_args_is_help=True)
app.add_typer(media_app, name="media")


def fail(message_ja: str, message_en: str, code: int = 1) -> NoReturn:
    typer.echo(f"エラー: {message_ja}\nerror: {message_en}", err=True)
    raise typer.Exit(code)


def _url() -> str:
    try:
        return database_url()
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
        raise  # unreachable; fail() exits


@app.command()
def setup() -> None:
    """Install PostgreSQL + PostGIS where possible (root with apt), else say what to install."""
    try:
        typer.echo(install_system_packages())
    except EmbeddedError as exc:
        fail("PostgreSQL/PostGIS がありません。", str(exc))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostGIS (initialising it on first use)."""
    if get_settings().database_url:
        typer.echo("DATABASE_URL is set: machimap uses that database and starts none.")
        return
    try:
        embedded_cluster().start()
    except EmbeddedError as exc:
        fail("データベースを起動できません。", str(exc))
    status = embedded_cluster().status()
    typer.echo(f"running on 127.0.0.1:{status.port} (data: {status.data_dir})")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostGIS."""
    try:
        stopped = embedded_cluster().stop()
    except EmbeddedError as exc:
        fail("データベースを停止できません。", str(exc))
        return
    typer.echo("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Whether the database runs, where, and its schema revision."""
    if get_settings().database_url:
        typer.echo("external database (DATABASE_URL)")
    else:
        status = embedded_cluster().status()
        if not status.running:
            typer.echo(f"stopped (data: {status.data_dir})")
            raise typer.Exit(3)
        typer.echo(
            f"running on 127.0.0.1:{status.port}, pid {status.pid} (data: {status.data_dir})"
        )
    from layers.store.db import get_engine

    current = migrate.current_revision(get_engine())
    head = migrate.head_revision()
    typer.echo(f"schema: {current or 'empty'} (latest {head})")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starts the embedded database if needed)."""
    typer.echo(libpq_url(_url()))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the database; extra arguments go to psql."""
    url = libpq_url(_url())
    os.execvp("psql", ["psql", url, *ctx.args])


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest). Safe to repeat."""
    migrate.upgrade(_url(), revision)
    with session_scope() as session:
        from layers.serving.publishing import sync_layer_metadata

        sync_layer_metadata(session)
    typer.echo(f"schema at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "base") -> None:
    """Revert migrations down to REVISION (default: base, an empty database)."""
    migrate.downgrade(_url(), revision)
    typer.echo(f"schema at {revision}")


@city_app.command("set")
def city_set(
    code: Annotated[str, typer.Option(help="全国地方公共団体コード (6 digits)")],
    name: Annotated[str, typer.Option(help="City name, e.g. 焼津市")],
    prefecture: Annotated[str, typer.Option(help="e.g. 静岡県")],
    zone: Annotated[int | None, typer.Option(help="平面直角座標系 zone 1-19")] = None,
    name_en: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Set the city this instance serves."""
    from geo.crs import zone_for_prefecture
    from layers.city.identity import set_city

    migrate.upgrade(_url())
    try:
        plane_zone = zone if zone is not None else zone_for_prefecture(prefecture)
    except ValueError as exc:
        fail("都道府県から座標系の系番号が分かりません。--zone で指定してください。", str(exc))
        return
    from sqlalchemy.exc import IntegrityError

    try:
        with session_scope() as session:
            set_city(
                session,
                code=code,
                name=name,
                prefecture=prefecture,
                plane_zone=plane_zone,
                name_en=name_en,
            )
    except IntegrityError as exc:
        fail("市の設定が正しくありません（コードは6桁、系番号は1-19）。", str(exc.orig))
    typer.echo(f"{name} ({code}), plane rectangular zone {plane_zone}")


@city_app.command("show")
def city_show() -> None:
    """Show the configured city."""
    from layers.city.identity import get_city

    with session_scope() as session:
        city = get_city(session)
        if city is None:
            fail(
                "市が設定されていません。`machimap city set` で設定してください。",
                "no city configured: run `machimap city set`",
            )
            return
        typer.echo(
            f"{city.name} {city.name_en or ''} code={city.code} "
            f"prefecture={city.prefecture} zone={city.plane_zone}"
        )


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(
                f"{what} は KEY=VALUE の形で指定してください: {item}",
                f"{what} takes KEY=VALUE, got {item!r}",
                code=2,
            )
        pairs[key.strip()] = value.strip()
    return pairs


@app.command("import")
def import_command(
    layer: Annotated[str, typer.Argument(help="Layer id, e.g. facility, hazard, district")],
    file: Annotated[Path, typer.Argument(help="CSV, GeoJSON, GeoPackage or zipped Shapefile")],
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE for every row")] = [],  # noqa: B006
    map_: Annotated[list[str], typer.Option("--map", help="COLUMN=FIELD")] = [],  # noqa: B006
    skip_invalid: Annotated[bool, typer.Option(help="Load the good rows, list the rest")] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
    encoding: Annotated[str | None, typer.Option(help="Override detection (cp932, utf-8)")] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of a file that does not declare one")] = None,
    source: Annotated[str | None, typer.Option(help="Dataset name (default: file name)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Import a file into a layer: all rows or none, unless --skip-invalid."""
    from layers.importing.load import ImportOptions, ImportRefused, import_file

    url = _url()
    migrate.upgrade(url)
    try:
        src_epsg = parse_crs(crs) if crs else None
    except ValueError as exc:
        fail(f"座標参照系 {crs} が分かりません。", str(exc), code=2)
        return
    bar = (
        None
        if quiet
        # CSV progress is measured in bytes read, other formats in features.
        else tqdm(
            total=None,
            unit="B" if is_csv(file) else " features",
            unit_scale=is_csv(file),
            file=sys.stderr,
            desc=f"{file.name} → {layer}",
        )
    )

    def progress(done: int, total: int | None) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    options = ImportOptions(
        constants=_pairs(set_, "--set"),
        column_map=_pairs(map_, "--map"),
        skip_invalid=skip_invalid,
        rejects_path=rejects
        or (file.with_name(file.stem + ".rejects.csv") if skip_invalid else None),
        encoding=encoding,
        src_epsg=src_epsg,
        source_name=source,
        progress=progress,
    )
    try:
        result = import_file(layer, file, options, url)
    except ImportRefused as exc:
        if bar is not None:
            bar.close()
        fail(exc.message_ja, exc.message_en, code=2)
        return
    if bar is not None:
        bar.close()
    unit_ja = "行目" if result.unit == "line" else "件目"
    for r in result.rejected:
        typer.echo(
            f"{result.unit} {r.number}: {r.reason_en} / {r.number}{unit_ja}: {r.reason_ja}",
            err=True,
        )
    if not result.committed:
        fail(
            f"{len(result.rejected)} 件の不正な行があるため、何も取り込みませんでした"
            "（--skip-invalid で正しい行だけを取り込めます）。",
            f"{len(result.rejected)} invalid row(s): nothing was imported "
            "(use --skip-invalid to load the valid rows)",
        )
    extra = f", {result.repaired} repaired" if result.repaired else ""
    typer.echo(
        f"{result.loaded} loaded, {len(result.rejected)} rejected{extra} "
        f"({result.read} read from {file.name})"
    )
    if result.rejected and options.rejects_path:
        typer.echo(f"rejected rows written to {options.rejects_path}")


@app.command()
def demo() -> None:
    """Load the demo city (焼津市, real open data plus marked synthetic records). Idempotent."""
    from layers.demo.load import load_demo

    url = _url()
    migrate.upgrade(url)
    for line in load_demo(url):
        typer.echo(line)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Start the database if needed, apply migrations and serve the API."""
    import uvicorn

    settings = get_settings()
    url = _url()
    migrate.upgrade(url)
    with session_scope() as session:
        from layers.serving.publishing import sync_layer_metadata

        sync_layer_metadata(session)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level,
        # Forwarded headers are trusted only as MACHIMAP_FORWARDED_ALLOW_IPS says (api/app.py),
        # never by uvicorn's own default.
        proxy_headers=False,
    )


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """One transaction on the migrated database. A refusal from the data layer rolls it back
    and ends the command with both of its messages."""
    migrate.upgrade(_url())
    try:
        with session_scope() as session:
            yield session
    except Refused as exc:
        fail(exc.message_ja, exc.message_en)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    def width(text: str) -> int:
        # Kanji and kana take two cells in a terminal; len() would misalign the columns.
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    widths = [max(width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)]
        typer.echo("  ".join(cells).rstrip())


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address, also the sign-in name")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 焼津 花子")],
    role: Annotated[Role, typer.Option(help="役割 / role")],
    department: Annotated[
        str | None, typer.Option(help="Department code (required for staff)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin")
    ] = False,
    invite: Annotated[
        bool,
        typer.Option(
            "--invite", help="No password: e-mail a link to choose one (machimap outbox send)"
        ),
    ] = False,
) -> None:
    """Create an account. Staff and admin accounts count as verified."""
    from layers.accounts import audit
    from layers.accounts import lifecycle as accounts

    if invite and password_stdin:
        fail(
            "--invite と --password-stdin は同時に指定できません。",
            "--invite and --password-stdin cannot be used together",
            code=2,
        )
    password: str | None
    if invite:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # Asked before the transaction opens: a prompt left waiting must not hold locks.
        password = typer.prompt("パスワード / Password", hide_input=True, confirmation_prompt=True)
    with _unit_of_work() as session:
        dept = accounts.department_by_code(session, department) if department else None
        # The operator vouches for colleagues' addresses; residents confirm their own.
        user = accounts.create_user(
            session, email, name, password, role, dept, verified=role != Role.resident
        )
        if password is None:
            accounts.request_password_reset(session, user.email)
        audit.record(
            session,
            "cli.user_add",
            subject_layer="user_account",
            subject_id=user.id,
            after={
                "email": user.email,
                "display_name": user.display_name,
                "role": user.role.value,
                "department": dept.code if dept else None,
                "invited": password is None,
            },
        )
        created = (
            f"id={user.id} email={user.email} role={user.role.value} "
            f"department={dept.code if dept else '-'}"
        )
    typer.echo(created)
    if invite:
        typer.echo(
            "パスワード設定のリンクを送信待ちにしました。`machimap outbox send` で送信します。\n"
            "a link to choose a password is queued: `machimap outbox send` delivers it"
        )


@user_app.command("list")
def user_list(
    role: Annotated[Role | None, typer.Option(help="Only this role")] = None,
) -> None:
    """List accounts."""
    from sqlalchemy import select

    from layers.accounts.users import Department, User

    query = (
        select(User, Department.code)
        .outerjoin(Department, Department.id == User.department_id)
        .order_by(User.id)
    )
    if role is not None:
        query = query.where(User.role == role)
    with _unit_of_work() as session:
        rows = [
            [
                str(user.id),
                user.email,
                user.display_name,
                user.role.value,
                code or "-",
                _yes(user.is_active),
                _yes(user.email_verified_at is not None),
            ]
            for user, code in session.execute(query).tuples()
        ]
    _table(["id", "email", "name", "role", "department", "active", "verified"], rows)


@user_app.command("set")
def user_set(
    email: Annotated[str, typer.Argument(help="The account's e-mail address")],
    role: Annotated[Role | None, typer.Option(help="New role / 新しい役割")] = None,
    department: Annotated[
        str | None, typer.Option(help="Department code; '' removes the department")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Allow or stop sign-in")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Change an account. A new role or deactivation signs it out everywhere and revokes its
    API tokens."""
    import psycopg
    from sqlalchemy.exc import IntegrityError

    from layers.accounts import audit
    from layers.accounts import lifecycle as accounts

    if role is None and department is None and active is None and name is None:
        fail(
            "変更する項目を指定してください（--role, --department, --active/--inactive, --name）。",
            "nothing to change: give --role, --department, --active/--inactive or --name",
            code=2,
        )
    if name is not None and not name.strip():
        fail("表示名を入力してください。", "the display name must not be empty")
    with _unit_of_work() as session:
        user = accounts.find_user(session, email)
        if user is None:
            fail(f"アカウント {email} はありません。", f"no account with e-mail {email!r}")
        # Looked up before any change: the query would autoflush a half-made change (a staff
        # role without its department) into the CHECK constraint.
        dept = accounts.department_by_code(session, department) if department else None
        role_before = user.role
        after: dict[str, Any] = {}
        if name is not None:
            user.display_name = after["display_name"] = name.strip()[:100]
        if role is not None:
            user.role = role
            after["role"] = role.value
        if department is not None:
            user.department_id = dept.id if dept else None
            after["department"] = dept.code if dept else None
        if active is not None:
            user.is_active = after["is_active"] = active
        try:
            session.flush()
        except IntegrityError as exc:
            if (
                isinstance(exc.orig, psycopg.errors.CheckViolation)
                and exc.orig.diag.constraint_name == "ck_user_account_staff_department"
            ):
                fail(
                    "職員アカウントには部署が必要です（--department で指定してください）。",
                    "a staff account needs a department (give --department)",
                )
            raise
        if active is False or user.role != role_before:
            accounts.revoke_access(session, user.id)
            after["access_revoked"] = True
        audit.record(
            session, "cli.user_set", subject_layer="user_account", subject_id=user.id, after=after
        )
        changed = ", ".join(f"{key}={value}" for key, value in after.items())
    typer.echo(f"{user.email}: {changed}")


DEPARTMENT_CODE = re.compile(r"[a-z0-9_\-]{1,40}")


@department_app.command("add")
def department_add(
    code: Annotated[str, typer.Argument(help="Short code: a-z, 0-9, _ and -, e.g. road")],
    name: Annotated[str, typer.Argument(help="Name, e.g. 道路課")],
    name_en: Annotated[str | None, typer.Option(help="English name, e.g. Road Division")] = None,
) -> None:
    """Add a department."""
    from sqlalchemy import select

    from layers.accounts import audit
    from layers.accounts.users import Department

    if not DEPARTMENT_CODE.fullmatch(code):
        fail(
            f"部署コード {code} は使えません（英小文字・数字・_・- の40文字以内）。",
            f"department code {code!r} must be 1-40 of a-z, 0-9, _ and -",
        )
    name = name.strip()
    if not name or len(name) > 100 or (name_en is not None and len(name_en) > 100):
        fail("部署名は1〜100文字にしてください。", "a department name takes 1-100 characters")
    with _unit_of_work() as session:
        if session.scalar(select(Department).where(Department.code == code)):
            fail(f"部署コード {code} は使われています。", f"department code {code!r} exists")
        dept = Department(code=code, name=name, name_en=name_en)
        session.add(dept)
        session.flush()
        audit.record(
            session,
            "cli.department_add",
            subject_layer="department",
            subject_id=dept.id,
            after={"code": code, "name": name, "name_en": name_en},
        )
        created = f"id={dept.id} code={code} name={name}"
    typer.echo(created)


@department_app.command("list")
def department_list() -> None:
    """List departments."""
    from sqlalchemy import select

    from layers.accounts.users import Department

    with _unit_of_work() as session:
        rows = [
            [str(d.id), d.code, d.name, d.name_en or "-"]
            for d in session.scalars(select(Department).order_by(Department.code))
        ]
    _table(["id", "code", "name", "name_en"], rows)


OUTBOX_BATCH = 100


@outbox_app.command("send")
def outbox_send() -> None:
    """Send the waiting notifications; failures stay queued for the next run."""
    from layers.accounts import outbox

    migrate.upgrade(_url())
    outbox.make_log_visible(get_settings().log_level)
    total = outbox.deliver_all(OUTBOX_BATCH)
    typer.echo(f"{total} sent")


@media_app.command("gc")
def media_gc(
    grace_hours: Annotated[
        float, typer.Option(min=1.0, help="keep unreferenced files younger than this")
    ] = 24.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
) -> None:
    """Delete photo files no attachment refers to (left by failed submissions)."""
    from layers.media.gc import collect
    from layers.media.storage import media_store
    from layers.store.db import session_scope

    migrate.upgrade(_url())
    with session_scope() as db:
        result = collect(db, media_store(), grace_hours * 3600, dry_run)
    verb = "would remove" if dry_run else "removed"
    typer.echo(
        f"kept {result.kept}, {verb} {result.removed}, "
        f"unreferenced but younger than {grace_hours:g} h: {result.young}"
    )


def main() -> None:
    app()
