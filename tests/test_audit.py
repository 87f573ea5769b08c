"""The audit log: who changed what, when, before and after; readable by admins only and
unchangeable through the API or SQL."""

from __future__ import annotations

import psycopg
import pytest

from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, signed_in, sql_value


def test_admin_writes_are_logged_with_before_and_after(db_url: str) -> None:
    admin_person = make_person("admin@example.jp", "admin")
    admin = signed_in(admin_person)
    created = admin.post("/api/admin/departments", json={"code": "road", "name": "道路課"})
    dept_id = created.json()["id"]
    admin.patch(f"/api/admin/departments/{dept_id}", json={"name": "道路河川課"})

    log = admin.get("/api/admin/audit", params={"subject_layer": "department"}).json()
    assert log["numberMatched"] == 2
    update, insert = log["items"]  # newest first
    assert insert["action"] == "insert" and insert["after"]["code"] == "road"
    assert insert["actor_user_id"] == admin_person.id
    assert update["action"] == "update"
    assert update["before"] == {"name": "道路課"}  # only what changed
    assert update["after"] == {"name": "道路河川課"}


def test_secrets_never_enter_the_log(db_url: str) -> None:
    person = make_person("hanako@example.jp")
    browser = signed_in(person)
    token = browser.post("/api/me/tokens", json={"name": "x", "scopes": ["read"]}).json()
    browser.post(
        "/auth/password",
        json={"current_password": person.password, "new_password": "umi-no-mieru-oka-7"},
    )
    dump = sql_value(
        db_url,
        "SELECT string_agg(coalesce(before::text, '') || "
        "coalesce(after::text, ''), ' ') FROM audit_log",
    )
    assert "argon2" not in dump and "password_hash" not in dump and "token_hash" not in dump
    assert token["token"] not in dump
    assert (
        sql_value(
            db_url,
            "SELECT count(*) FROM audit_log WHERE action = 'account.password_changed' "
            "AND actor_user_id = %s",
            person.id,
        )
        == 1
    )


def test_sign_ins_are_logged(db_url: str) -> None:
    person = make_person("hanako@example.jp")
    client = new_client()
    client.post("/auth/login", json={"email": person.email, "password": "wrong-password"})
    client.post("/auth/login", json={"email": person.email, "password": person.password})
    actions = sql_value(db_url, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log")
    assert actions == "auth.sign_in_failed,auth.sign_in"


def test_only_admins_read_the_log_and_nobody_changes_it_through_the_api(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    admin.post("/api/admin/departments", json={"code": "road", "name": "道路課"})
    staff = signed_in(make_person("staff@example.jp", "staff", department="road"))
    assert staff.get("/api/admin/audit").status_code == 403
    assert new_client().get("/api/admin/audit").status_code == 401
    before = sql_value(
        db_url, "SELECT md5(string_agg(audit_log::text, '' ORDER BY id)) FROM audit_log"
    )
    entry = admin.get("/api/admin/audit").json()["items"][0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = admin.request(method, f"/api/admin/audit/{entry}", json={"after": {}})
        assert response.status_code in (404, 405), method
        response = admin.request(method, "/api/admin/audit", json={"after": {}})
        assert response.status_code in (404, 405), method
    after = sql_value(
        db_url, "SELECT md5(string_agg(audit_log::text, '' ORDER BY id)) FROM audit_log"
    )
    assert before == after


def test_the_database_refuses_to_rewrite_history(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    admin.post("/api/admin/departments", json={"code": "road", "name": "道路課"})
    with psycopg.connect(libpq_url(db_url)) as conn:
        for statement in (
            "UPDATE audit_log SET action = 'x'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(psycopg.Error, match="append-only"):
                conn.execute(statement.encode())
            conn.rollback()


def test_deleting_an_account_keeps_its_history(db_url: str) -> None:
    person = make_person("admin@example.jp", "admin")
    signed_in(person).post("/api/admin/departments", json={"code": "road", "name": "道路課"})
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute(b"DELETE FROM user_account WHERE id = %s", (person.id,))
    assert (
        sql_value(db_url, "SELECT count(*) FROM audit_log WHERE actor_user_id = %s", person.id) >= 1
    )


def test_the_audit_list_filters_and_pages(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    for i in range(5):
        admin.post("/api/admin/departments", json={"code": f"d{i}", "name": f"課{i}"})
    page = admin.get("/api/admin/audit", params={"subject_layer": "department", "limit": 2})
    body = page.json()
    assert body["numberMatched"] == 5 and body["numberReturned"] == 2
    assert any(link["rel"] == "next" for link in body["links"])
    bad = admin.get("/api/admin/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["detail"]
