"""Accounts and API tokens as the account routes answer them."""

from __future__ import annotations

from typing import Any

from layers.accounts.api_tokens import ApiToken
from layers.accounts.users import User


def account_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "department_id": user.department_id,
        "email_verified": user.email_verified_at is not None,
        "locale": user.locale,
    }


def admin_user_json(user: User) -> dict[str, Any]:
    return {
        **account_json(user),
        "is_active": user.is_active,
        "created_at": user.created_at.isoformat(),
    }


def token_json(row: ApiToken) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "hint": row.hint + "…",
        "scopes": row.scopes,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked": row.revoked_at is not None,
    }
