"""Accounts, departments and the outbox from the operator's command line."""

from __future__ import annotations

import logging
import unicodedata

import pytest
from typer.testing import CliRunner

from api.cli import app
from layers.accounts.passwords import verify_password
from tests.conftest import PASSWORD, make_person, sql_value

STAFF = "hanako.yaizu@city.example.jp"


def add_road_department(cli: CliRunner) -> None:
    result = cli.invoke(app, ["department", "add", "road", "道路課", "--name-en", "Road Division"])
    assert result.exit_code == 0, result.output


def add_user(cli: CliRunner, *args: str, password: str = PASSWORD) -> tuple[int, str]:
    result = cli.invoke(app, ["user", "add", *args, "--password-stdin"], input=password + "\n")
    return result.exit_code, result.output


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def count_users(url: str) -> int:
    n: int = sql_value(url, "SELECT count(*) FROM user_account")
    return n


def test_staff_added_with_a_password_from_stdin_can_sign_in(db_url: str, cli: CliRunner) -> None:
    add_road_department(cli)
    code, output = add_user(
        cli, STAFF, "--name", "焼津 花子", "--role", "staff", "--department", "road"
    )
    assert code == 0, output
    user_id = sql_value(db_url, "SELECT id FROM user_account WHERE email = %s", STAFF)
    assert f"id={user_id} email={STAFF} role=staff department=road" in output
    stored = sql_value(db_url, "SELECT password_hash FROM user_account WHERE id = %s", user_id)
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    row = sql_value(
        db_url,
        "SELECT u.role || ' ' || d.code || ' ' || u.display_name "
        "|| ' ' || (u.email_verified_at IS NOT NULL) "
        "FROM user_account u JOIN department d ON d.id = u.department_id WHERE u.id = %s",
        user_id,
    )
    assert row == "staff road 焼津 花子 true"  # staff made by the operator count as verified


def test_adding_a_user_leaves_one_audit_entry_without_the_password(
    db_url: str, cli: CliRunner
) -> None:
    code, output = add_user(cli, "admin@city.example.jp", "--name", "管理者", "--role", "admin")
    assert code == 0, output
    user_id = sql_value(db_url, "SELECT id FROM user_account")
    entry = sql_value(
        db_url,
        "SELECT after FROM audit_log WHERE action = 'cli.user_add' "
        "AND subject_layer = 'user_account' AND subject_id = %s AND actor_user_id IS NULL",
        user_id,
    )
    assert entry == {
        "email": "admin@city.example.jp",
        "display_name": "管理者",
        "role": "admin",
        "department": None,
        "invited": False,
    }
    assert sql_value(db_url, "SELECT count(*) FROM audit_log WHERE action = 'cli.user_add'") == 1
    dump = sql_value(db_url, "SELECT string_agg(coalesce(after::text, ''), ' ') FROM audit_log")
    assert PASSWORD not in dump and "argon2" not in dump


def test_the_password_is_asked_twice_when_not_piped(db_url: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app,
        ["user", "add", "taro@example.jp", "--name", "太郎", "--role", "resident"],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output  # the first pair differed, so it asked again
    assert PASSWORD not in result.output  # typed hidden
    stored = sql_value(db_url, "SELECT password_hash FROM user_account")
    assert verify_password(stored, PASSWORD)
    # Residents confirm their own address.
    assert sql_value(db_url, "SELECT email_verified_at FROM user_account") is None


def test_staff_without_a_department_are_refused_in_both_languages(
    db_url: str, cli: CliRunner
) -> None:
    code, output = add_user(cli, STAFF, "--name", "花子", "--role", "staff")
    assert code == 1
    assert "職員アカウントには部署が必要です" in output
    assert "a staff account needs a department" in output
    assert count_users(db_url) == 0


def test_an_unknown_department_lists_the_known_codes(db_url: str, cli: CliRunner) -> None:
    add_road_department(cli)
    code, output = add_user(cli, STAFF, "--name", "花子", "--role", "staff", "--department", "rd")
    assert code == 1
    assert "部署 rd はありません" in output and "known: road" in output
    assert count_users(db_url) == 0


def test_a_short_password_is_refused_and_nothing_is_stored(db_url: str, cli: CliRunner) -> None:
    code, output = add_user(
        cli, "taro@example.jp", "--name", "太郎", "--role", "admin", password="short"
    )
    assert code == 1
    assert "10文字以上" in output and "at least 10 characters" in output
    assert count_users(db_url) == 0
    assert sql_value(db_url, "SELECT count(*) FROM audit_log") == 0


def test_an_e_mail_address_is_used_once(db_url: str, cli: CliRunner) -> None:
    assert add_user(cli, "taro@example.jp", "--name", "太郎", "--role", "admin")[0] == 0
    code, output = add_user(cli, "Taro@Example.jp", "--name", "別の太郎", "--role", "admin")
    assert code == 1
    assert "既に登録されています" in output and "already exists" in output
    assert count_users(db_url) == 1


def test_invited_staff_get_a_reset_link_through_the_outbox(
    db_url: str, cli: CliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    add_road_department(cli)
    result = cli.invoke(
        app,
        [
            "user",
            "add",
            STAFF,
            *["--name", "花子", "--role", "staff", "--department", "road", "--invite"],
        ],
    )
    assert result.exit_code == 0, result.output
    assert "machimap outbox send" in result.output
    assert sql_value(db_url, "SELECT password_hash FROM user_account") is None
    pending = "SELECT count(*) FROM notification WHERE sent_at IS NULL"
    assert (
        sql_value(db_url, "SELECT kind || ' ' || recipient FROM notification")
        == f"password_reset {STAFF}"
    )
    assert sql_value(db_url, pending) == 1

    caplog.set_level(logging.INFO, logger="machimap.outbox")
    result = cli.invoke(app, ["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert sql_value(db_url, pending) == 0
    assert sql_value(db_url, "SELECT sent_at IS NOT NULL FROM notification") is True
    assert "/auth/reset-password?token=" in caplog.text  # the default sender logged the link
    result = cli.invoke(app, ["outbox", "send"])
    assert result.exit_code == 0 and "0 sent" in result.output


def test_invite_and_password_stdin_exclude_each_other(db_url: str, cli: CliRunner) -> None:
    result = cli.invoke(
        app,
        [
            "user",
            "add",
            "a@example.jp",
            "--name",
            "a",
            "--role",
            "admin",
            "--invite",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2 and "cannot be used together" in result.output
    assert count_users(db_url) == 0


def _sign_in_everywhere(email: str) -> int:
    """A browser session and an API token for this account; returns its id."""
    from layers.accounts import api_tokens, sessions
    from layers.accounts.lifecycle import find_user
    from layers.store.db import session_scope

    with session_scope() as db:
        user = find_user(db, email)
        assert user is not None
        sessions.start(db, user, "127.0.0.1", "pytest")
        api_tokens.issue(db, user, "script", [api_tokens.Scope.read])
        return user.id


def _access(url: str, user_id: int) -> str:
    live: str = sql_value(
        url,
        "SELECT (SELECT count(*) FROM auth_session WHERE user_id = %s) || ' sessions, '"
        " || (SELECT count(*) FROM api_token WHERE user_id = %s AND revoked_at IS NULL)"
        " || ' tokens'",
        user_id,
        user_id,
    )
    return live


def test_deactivating_ends_sessions_and_revokes_tokens(db_url: str, cli: CliRunner) -> None:
    make_person("taro@example.jp")
    make_person("jiro@example.jp")
    taro, jiro = _sign_in_everywhere("taro@example.jp"), _sign_in_everywhere("jiro@example.jp")
    assert _access(db_url, taro) == "1 sessions, 1 tokens"

    result = cli.invoke(app, ["user", "set", "taro@example.jp", "--inactive"])
    assert result.exit_code == 0, result.output
    assert _access(db_url, taro) == "0 sessions, 0 tokens"
    assert sql_value(db_url, "SELECT is_active FROM user_account WHERE id = %s", taro) is False
    assert _access(db_url, jiro) == "1 sessions, 1 tokens"  # nobody else is signed out
    entry = sql_value(
        db_url,
        "SELECT after FROM audit_log WHERE action = 'cli.user_set' AND subject_id = %s",
        taro,
    )
    assert entry == {"is_active": False, "access_revoked": True}


def test_a_new_role_revokes_access_but_a_new_name_does_not(db_url: str, cli: CliRunner) -> None:
    add_road_department(cli)
    make_person("taro@example.jp")
    taro = _sign_in_everywhere("taro@example.jp")

    result = cli.invoke(app, ["user", "set", "taro@example.jp", "--name", "焼津 太郎"])
    assert result.exit_code == 0, result.output
    assert _access(db_url, taro) == "1 sessions, 1 tokens"

    result = cli.invoke(
        app, ["user", "set", "taro@example.jp", "--role", "staff", "--department", "road"]
    )
    assert result.exit_code == 0, result.output
    assert _access(db_url, taro) == "0 sessions, 0 tokens"
    assert (
        sql_value(
            db_url,
            "SELECT u.role || ' ' || d.code || ' ' || u.display_name FROM user_account u "
            "JOIN department d ON d.id = u.department_id WHERE u.id = %s",
            taro,
        )
        == "staff road 焼津 太郎"
    )


def test_user_set_refusals_change_nothing(db_url: str, cli: CliRunner) -> None:
    make_person("taro@example.jp")
    taro = _sign_in_everywhere("taro@example.jp")

    result = cli.invoke(app, ["user", "set", "taro@example.jp", "--role", "staff"])
    assert result.exit_code == 1
    assert "部署が必要" in result.output and "needs a department" in result.output
    assert sql_value(db_url, "SELECT role FROM user_account WHERE id = %s", taro) == "resident"
    assert _access(db_url, taro) == "1 sessions, 1 tokens"

    result = cli.invoke(app, ["user", "set", "nobody@example.jp", "--inactive"])
    assert result.exit_code == 1 and "no account" in result.output
    result = cli.invoke(app, ["user", "set", "taro@example.jp"])
    assert result.exit_code == 2 and "nothing to change" in result.output
    assert sql_value(db_url, "SELECT count(*) FROM audit_log WHERE action = 'cli.user_set'") == 0


def test_user_list_shows_role_department_and_state(db_url: str, cli: CliRunner) -> None:
    make_person("staff@example.jp", "staff", department="road")
    make_person("taro@example.jp", verified=False)
    cli.invoke(app, ["user", "set", "taro@example.jp", "--inactive"])

    result = cli.invoke(app, ["user", "list"])
    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert header.split() == ["id", "email", "name", "role", "department", "active", "verified"]
    assert [line.split()[1:] for line in lines] == [
        ["staff@example.jp", "staff", "staff", "road", "yes", "yes"],
        ["taro@example.jp", "taro", "resident", "-", "no", "no"],
    ]
    result = cli.invoke(app, ["user", "list", "--role", "staff"])
    assert "staff@example.jp" in result.output and "taro@example.jp" not in result.output


def test_departments_are_added_once_and_listed(db_url: str, cli: CliRunner) -> None:
    add_road_department(cli)
    result = cli.invoke(app, ["department", "add", "kikikanri", "危機管理課"])
    assert result.exit_code == 0, result.output

    result = cli.invoke(app, ["department", "add", "road", "道路河川課"])
    assert result.exit_code == 1
    assert "使われています" in result.output and "exists" in result.output
    result = cli.invoke(app, ["department", "add", "Road Division", "道路課"])
    assert result.exit_code == 1 and "a-z, 0-9" in result.output

    result = cli.invoke(app, ["department", "list"])
    assert result.exit_code == 0, result.output
    header, *lines = result.output.splitlines()
    assert header.split() == ["id", "code", "name", "name_en"]
    assert [line.split(maxsplit=1)[1].split(maxsplit=2) for line in lines] == [
        ["kikikanri", "危機管理課", "-"],
        ["road", "道路課", "Road Division"],
    ]
    # Kanji take two cells in a terminal; the English names still line up.
    assert cells(lines[0][: lines[0].rindex("-")]) == cells(lines[1][: lines[1].index("Road")])
    assert (
        sql_value(
            db_url,
            "SELECT string_agg(after ->> 'code', ',' ORDER BY id) FROM audit_log "
            "WHERE action = 'cli.department_add' AND subject_layer = 'department'",
        )
        == "road,kikikanri"
    )
