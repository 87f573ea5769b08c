"""Signing up, in and out; e-mail links through the outbox; passwords; API tokens."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, make_person, new_client, signed_in, sql_value


def _outbox_link(url: str, kind: str, email: str) -> str:
    body = sql_value(
        url,
        "SELECT body FROM notification WHERE kind = %s AND recipient = %s ORDER BY id DESC",
        kind,
        email,
    )
    assert body, f"no {kind} message for {email}"
    match = re.search(r"token=([A-Za-z0-9_\-]+)", body)
    assert match
    return match.group(1)


def test_sign_in_sets_a_secure_httponly_samesite_session_cookie(db_url: str) -> None:
    person = make_person("hanako@example.jp")
    client = new_client()
    response = client.post("/auth/login", json={"email": "Hanako@Example.jp", "password": PASSWORD})
    assert response.status_code == 200, response.text
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("mm_session="))
    assert "HttpOnly" in session and "Secure" in session and "SameSite=lax" in session
    csrf = next(c for c in cookies if c.startswith("mm_csrf="))
    assert "HttpOnly" not in csrf  # the page's script reads it to send the header
    assert response.json()["user"]["id"] == person.id
    # Only the hash of the cookie value is stored.
    token = session.split("=", 1)[1].split(";", 1)[0]
    assert (
        sql_value(
            db_url,
            "SELECT count(*) FROM auth_session WHERE token_hash = sha256(convert_to(%s, 'UTF8'))",
            token,
        )
        == 1
    )
    assert client.get("/api/me").json()["email"] == "hanako@example.jp"


def test_wrong_password_and_unknown_address_get_the_same_answer(db_url: str) -> None:
    make_person("hanako@example.jp")
    client = new_client()
    wrong = client.post("/auth/login", json={"email": "hanako@example.jp", "password": "x" * 12})
    unknown = client.post("/auth/login", json={"email": "nobody@example.jp", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["detail_ja"] == "メールアドレスまたはパスワードが正しくありません。"
    assert client.get("/api/me").status_code == 401


def test_sign_out_ends_the_session_in_the_database(db_url: str) -> None:
    client = signed_in(make_person("taro@example.jp"))
    assert client.get("/api/me").status_code == 200
    assert client.post("/auth/logout").status_code == 204
    assert sql_value(db_url, "SELECT count(*) FROM auth_session") == 0
    assert client.get("/api/me").status_code == 401


def test_cookie_writes_need_the_csrf_header(db_url: str) -> None:
    client = signed_in(make_person("taro@example.jp"))
    client.headers.pop("X-CSRF-Token")
    response = client.post("/api/me/tokens", json={"name": "qgis", "scopes": ["read"]})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/csrf"
    assert sql_value(db_url, "SELECT count(*) FROM api_token") == 0
    client.headers["X-CSRF-Token"] = "not-the-token"
    assert client.post("/api/me/tokens", json={"name": "q", "scopes": ["read"]}).status_code == 403


def test_sign_in_from_another_sites_page_is_refused(db_url: str) -> None:
    make_person("hanako@example.jp")
    response = new_client().post(
        "/auth/login",
        json={"email": "hanako@example.jp", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_sign_up_verification_link_and_group_join_gate(db_url: str) -> None:
    client = new_client()
    response = client.post(
        "/auth/signup",
        json={"email": "jiro@example.jp", "display_name": "次郎", "password": "kawa-no-hotori-12"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["role"] == "resident"
    assert response.json()["user"]["email_verified"] is False
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    token = _outbox_link(db_url, "verify_email", "jiro@example.jp")
    # Opening the link (GET) shows a button and does not use the token: mail scanners
    # prefetch links.
    page = client.get(f"/auth/verify-email?token={token}")
    assert page.status_code == 200 and 'lang="ja"' in page.text and "<script" not in page.text
    assert client.get("/api/me").json()["email_verified"] is False
    done = client.post("/auth/verify-email", data={"token": token}, headers={"Accept": "text/html"})
    assert done.status_code == 200 and "確認しました" in done.text
    assert client.get("/api/me").json()["email_verified"] is True
    again = client.post("/auth/verify-email", json={"token": token})
    assert again.status_code == 400 and again.json()["detail_ja"].startswith("リンクが無効")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"email": "not-an-address", "display_name": "x", "password": "a-long-passphrase"},
            "e-mail",
        ),
        ({"email": "a@example.jp", "display_name": "x", "password": "short"}, "at least 10"),
        (
            {"email": "aaaa@example.jp", "display_name": "x", "password": "aaaa-secret-1"},
            "too easy",
        ),
        ({"email": "a@example.jp", "password": "a-long-passphrase"}, "display_name"),
    ],
)
def test_bad_sign_ups_say_what_was_wrong_and_store_nothing(
    db_url: str, body: dict[str, str], fragment: str
) -> None:
    response = new_client().post("/auth/signup", json=body)
    assert 400 <= response.status_code < 500
    assert fragment in response.json()["detail"]
    assert response.json()["detail_ja"]
    assert sql_value(db_url, "SELECT count(*) FROM user_account") == 0


def test_an_address_can_register_only_once(db_url: str) -> None:
    make_person("hanako@example.jp")
    response = new_client().post(
        "/auth/signup",
        json={"email": "HANAKO@example.jp", "display_name": "x", "password": "kawa-no-hotori-12"},
    )
    assert response.status_code == 409


def test_password_reset_link_sets_a_new_password_and_signs_out_everywhere(db_url: str) -> None:
    person = make_person("hanako@example.jp")
    elsewhere = signed_in(person)
    client = new_client()
    asked = client.post("/auth/password-reset", json={"email": "hanako@example.jp"})
    unknown = client.post("/auth/password-reset", json={"email": "nobody@example.jp"})
    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()  # no account enumeration
    token = _outbox_link(db_url, "password_reset", "hanako@example.jp")
    form = client.get(f"/auth/reset-password?token={token}")
    assert 'type="password"' in form.text
    weak = client.post("/auth/reset-password", json={"token": token, "new_password": "short"})
    assert weak.status_code == 422
    done = client.post(
        "/auth/reset-password", json={"token": token, "new_password": "umi-no-mieru-oka-7"}
    )
    assert done.status_code == 200, done.text
    assert elsewhere.get("/api/me").status_code == 401
    old = client.post("/auth/login", json={"email": person.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/auth/login", json={"email": person.email, "password": "umi-no-mieru-oka-7"})
    assert new.status_code == 200
    reused = new_client().post(
        "/auth/reset-password", json={"token": token, "new_password": "x" * 12}
    )
    assert reused.status_code == 400


def test_password_change_keeps_this_browser_and_ends_the_others(db_url: str) -> None:
    person = make_person("hanako@example.jp")
    here, there = signed_in(person), signed_in(person)
    wrong = here.post(
        "/auth/password", json={"current_password": "nope-nope-nope", "new_password": "y" * 3}
    )
    assert wrong.status_code == 403
    response = here.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "fuji-ga-mieru-machi"},
    )
    assert response.status_code == 200, response.text
    here.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    assert here.get("/api/me").status_code == 200
    assert there.get("/api/me").status_code == 401


def test_api_tokens_are_shown_once_stored_hashed_scoped_and_revocable(db_url: str) -> None:
    person = make_person("taro@example.jp")
    browser = signed_in(person)
    created = browser.post("/api/me/tokens", json={"name": "QGIS", "scopes": ["read"]})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("mm_")
    assert (
        sql_value(
            db_url,
            "SELECT count(*) FROM api_token WHERE token_hash = sha256(convert_to(%s, 'UTF8'))",
            token,
        )
        == 1
    )
    listed = browser.get("/api/me/tokens").json()["tokens"]
    assert "token" not in listed[0] and listed[0]["hint"].endswith("…")

    program = TestClient(browser.app, base_url="https://testserver")
    program.headers["Authorization"] = f"Bearer {token}"
    me = program.get("/api/me")
    assert me.status_code == 200 and me.json()["via"] == "token"
    # A read token cannot write, and no token manages tokens or passwords.
    assert program.post("/api/me/tokens", json={"name": "x", "scopes": ["read"]}).status_code == 403
    # A resident cannot mint an admin-scoped token.
    assert (
        browser.post("/api/me/tokens", json={"name": "x", "scopes": ["admin"]}).status_code == 403
    )

    token_id = created.json()["id"]
    assert browser.delete(f"/api/me/tokens/{token_id}").status_code == 204
    revoked = program.get("/api/me")
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_malformed_or_unknown_token_is_401_not_anonymous(db_url: str) -> None:
    client = new_client()
    for value in ("Bearer mm_nonsense", "Basic dXNlcjpwYXNz", "Bearer "):
        response = client.get("/api/layers", headers={"Authorization": value})
        assert response.status_code == 401, value


def test_deactivated_accounts_lose_sessions_and_tokens_at_once(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    person = make_person("taro@example.jp")
    browser = signed_in(person)
    token = browser.post("/api/me/tokens", json={"name": "x", "scopes": ["read"]}).json()["token"]
    response = admin.patch(f"/api/admin/users/{person.id}", json={"is_active": False})
    assert response.status_code == 200
    assert browser.get("/api/me").status_code == 401
    assert (
        new_client().get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert (
        new_client()
        .post("/auth/login", json={"email": person.email, "password": PASSWORD})
        .status_code
        == 401
    )


def test_admins_create_staff_who_choose_their_password_through_the_outbox(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    assert (
        admin.post(
            "/api/admin/departments",
            json={"code": "road", "name": "道路課", "name_en": "Road Division"},
        ).status_code
        == 201
    )
    response = admin.post(
        "/api/admin/users",
        json={
            "email": "douro@example.jp",
            "display_name": "道路 太郎",
            "role": "staff",
            "department": "road",
        },
    )
    assert response.status_code == 201, response.text
    token = _outbox_link(db_url, "password_reset", "douro@example.jp")
    client = new_client()
    assert (
        client.post(
            "/auth/reset-password", json={"token": token, "new_password": "shiyakusho-2026"}
        ).status_code
        == 200
    )
    login = client.post(
        "/auth/login", json={"email": "douro@example.jp", "password": "shiyakusho-2026"}
    )
    assert login.json()["user"]["role"] == "staff"
    no_dept = admin.post(
        "/api/admin/users",
        json={"email": "x@example.jp", "display_name": "x", "role": "staff"},
    )
    assert no_dept.status_code == 422 and "department" in no_dept.json()["detail"]
    unknown = admin.post(
        "/api/admin/users",
        json={"email": "y@example.jp", "display_name": "y", "role": "staff", "department": "zz"},
    )
    assert unknown.status_code == 422 and "road" in unknown.json()["detail"]


def test_the_outbox_delivers_through_the_log_sender(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from layers.accounts.outbox import deliver_pending
    from layers.store.db import session_scope

    new_client().post("/auth/password-reset", json={"email": "nobody@example.jp"})
    make_person("hanako@example.jp")
    new_client().post("/auth/password-reset", json={"email": "hanako@example.jp"})
    with caplog.at_level("INFO", logger="machimap.outbox"), session_scope() as db:
        assert deliver_pending(db) == 1
    assert "hanako@example.jp" in caplog.text
    assert sql_value(db_url, "SELECT count(*) FROM notification WHERE sent_at IS NULL") == 0


def test_a_broken_database_rule_is_a_422_naming_it_not_a_500(db_url: str) -> None:
    admin = signed_in(make_person("admin@example.jp", "admin"))
    person = make_person("taro@example.jp")
    response = admin.patch(f"/api/admin/users/{person.id}", json={"role": "staff"})
    assert response.status_code == 422
    assert "staff_department" in response.json()["detail"]
    assert sql_value(db_url, "SELECT role FROM user_account WHERE id = %s", person.id) == "resident"


def test_the_running_server_sends_the_outbox_by_itself(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_OUTBOX_INTERVAL_S", "0.2")
    get_settings.cache_clear()
    make_person("hanako@example.jp")
    with new_client() as client:  # `with` runs the app's lifespan, as uvicorn does
        client.post("/auth/password-reset", json={"email": "hanako@example.jp"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if sql_value(db_url, "SELECT count(*) FROM notification WHERE sent_at IS NULL") == 0:
                break
            time.sleep(0.1)
    assert sql_value(db_url, "SELECT count(*) FROM notification WHERE sent_at IS NOT NULL") == 1
