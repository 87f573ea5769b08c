"""`permit(action, resource)`: the dependency every route declares. It identifies the caller,
applies CSRF protection and the write rate limits, loads the resource the action is about,
and asks the policy (layers/policy.py). A route without it makes create_app() fail.

That first answer is given on what was committed when the request arrived. A state-changing
route then runs its unit of work through `acting()`, which locks the rows the action changes,
reads the caller again as they are now, and asks the policy once more: that decision is the
one that counts, so a reassignment, a demotion or a removal committed in between is obeyed."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from api.callers import Caller, check_csrf, check_origin, identify
from api.params import PathId
from api.rate_limits import RateLimits
from layers.accounts.actors import as_now
from layers.policy import Action, Actor, can
from layers.store.db import session_scope
from layers.store.refusals import Refused
from layers.store.sql import find_row

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sign-in and sign-up are also refused from other sites' pages (login CSRF).
_ORIGIN_CHECKED = frozenset({Action.sign_in, Action.sign_up})

Loader = Callable[[Session, Request], Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Authorized:
    actor: Actor
    caller: Caller
    action: Action
    resource: Any = None


def rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def path_parameters(**types: Any) -> Callable[[Loader], Loader]:
    """Declare the path parameters a loader reads (name=annotated type): permit() puts them
    in its signature, so FastAPI checks them before the loader runs and the OpenAPI
    document describes them."""

    def declare(loader: Loader) -> Loader:
        loader.path_parameters = types  # type: ignore[attr-defined]
        return loader

    return declare


def permit(action: Action, resource: Loader | None = None) -> Any:
    def dependency(request: Request, **_checked: Any) -> Authorized:
        caller = identify(request)
        actor = caller.actor
        if request.method not in SAFE_METHODS:
            check_csrf(request, caller)
            if caller.via == "session" or action in _ORIGIN_CHECKED:
                check_origin(request)
            limits = rate_limits(request)
            limits.hit("write_ip", actor.ip or "unknown")
            if actor.user_id is not None:
                limits.hit("write_account", str(actor.user_id))
        loaded = None
        if resource is not None:
            with session_scope() as db:
                loaded = resource(db, request)
        if not can(actor, action, loaded):
            raise denied(actor, action)
        return Authorized(actor, caller, action, loaded)

    declared = getattr(resource, "path_parameters", {})
    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
            ),
            *(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=kind)
                for name, kind in declared.items()
            ),
        ],
        return_annotation=Authorized,
    )
    dependency.action = action  # type: ignore[attr-defined]
    return Depends(dependency)


def denied(actor: Actor, action: Action) -> Refused:
    if not actor.signed_in:
        return Refused(
            "この操作にはログインが必要です。",
            f"sign in to do this ({action})",
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="machimap"'},
            action=str(action),
        )
    if action == Action.group_join and not actor.email_verified:
        return Refused(
            "グループに参加するには、メールアドレスの確認を済ませてください。",
            "confirm your e-mail address before joining a group",
            status=403,
            action=str(action),
        )
    return Refused(
        "この操作は許可されていません。",
        f"your account may not do this ({action})",
        status=403,
        action=str(action),
    )


def route_action(route: APIRoute) -> Action | None:
    """The action a route declared through permit(), if any."""
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        action = getattr(dep.call, "action", None)
        if isinstance(action, Action):
            return action
        pending.extend(dep.dependencies)
    return None


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route of the app, including those of included routers (which recent
    FastAPI keeps inside the router rather than copying into app.routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


def check_every_route_has_a_rule(app: FastAPI) -> None:
    missing = [
        f"{','.join(sorted(r.methods or ()))} {r.path}"
        for r in api_routes(app.routes)
        if route_action(r) is None
    ]
    if missing:
        raise RuntimeError("routes without a permit() rule: " + "; ".join(missing))


def row_of(model: type[Any], param: str, what_ja: str, what_en: str) -> Loader:
    """A loader for permit(): the row whose id is in the path parameter ``param``."""

    @path_parameters(**{param: PathId})
    def load(db: Session, request: Request) -> Any:
        return find_row(db, model, request.path_params.get(param, ""), what_ja, what_en)

    return load


@contextmanager
def acting(auth: Authorized, lock: Callable[[Session], T]) -> Iterator[tuple[Session, T]]:
    """The unit of work of a state-changing action, decided on the row as locked: ``lock``
    locks (FOR UPDATE) and returns what the action changes (None when it creates something
    from nothing), the caller is read again with their account and memberships locked
    (layers/accounts/actors.as_now), and the policy decides on both. Everything the action
    writes is audited under the caller."""
    with session_scope(auth.actor.audit) as db:
        row = lock(db)
        actor = as_now(db, auth.actor)
        if not can(actor, auth.action, row):
            raise denied(actor, auth.action)
        yield db, row
