"""Abuse limits on sign-in, sign-up and every write, using the `limits` library. The tiers
come from settings; an exceeded tier answers 429 with Retry-After.

When the counters' store (Redis, shared by the workers) cannot be reached, sign-in and
sign-up answer 503 with Retry-After: guessing passwords must not get easier because Redis
is down. Other writes go ahead uncounted, logged: a resident's report matters more than
its limit for the minutes Redis is away."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from layers.store.refusals import Refused
from layers.store.settings import Settings

Tier = Literal["sign_in_ip", "sign_in_failures", "sign_up_ip", "write_ip", "write_account"]
_ACCOUNT_TIERS: frozenset[Tier] = frozenset({"sign_in_ip", "sign_in_failures", "sign_up_ip"})
_RETRY_S = 30
log = logging.getLogger("machimap.rate_limits")
TIERS: tuple[Tier, ...] = (
    "sign_in_ip",
    "sign_in_failures",
    "sign_up_ip",
    "write_ip",
    "write_account",
)


class RateLimits:
    def __init__(self, settings: Settings):
        self.enabled = settings.rate_limit_enabled
        self._limiter = MovingWindowRateLimiter(
            storage_from_string(settings.rate_limit_storage, wrap_exceptions=True)
        )
        self._tiers: dict[Tier, list[RateLimitItem]] = {
            name: parse_many(getattr(settings, f"rate_limit_{name}")) for name in TIERS
        }

    def hit(self, tier: Tier, *keys: str) -> None:
        """Count one request; 429 if any tier of this limit is already used up."""
        if not self.enabled:
            return
        for item in self._tiers[tier]:
            if not self._counted(tier, self._limiter.hit, item, tier, *keys):
                self._refuse(tier, keys)

    def check(self, tier: Tier, *keys: str) -> None:
        """429 if the limit is used up, without counting this request."""
        if not self.enabled:
            return
        for item in self._tiers[tier]:
            if not self._counted(tier, self._limiter.test, item, tier, *keys):
                self._refuse(tier, keys)

    def clear(self, tier: Tier, *keys: str) -> None:
        for item in self._tiers[tier]:
            self._counted(tier, self._limiter.clear, item, tier, *keys)

    def _counted(self, tier: Tier, ask: Callable[..., bool | None], *args: object) -> bool:
        """What the store answers; when it is away, 503 for the account tiers, else yes."""
        try:
            return ask(*args) is not False
        except StorageError as exc:
            if tier in _ACCOUNT_TIERS:
                raise Refused(
                    "ただいま混み合っています。しばらくしてからもう一度お試しください。",
                    "sign-in is unavailable for a moment (the rate-limit store cannot be"
                    f" reached); try again in {_RETRY_S} seconds",
                    status=503,
                    type_="/problems/rate-limit-store-unavailable",
                    headers={"Retry-After": str(_RETRY_S)},
                ) from exc
            log.warning("rate-limit store unreachable; %s not counted: %s", tier, exc.storage_error)
            return True

    def _refuse(self, tier: Tier, keys: tuple[str, ...]) -> None:
        wait = 1.0
        for item in self._tiers[tier]:
            stats = self._limiter.get_window_stats(item, tier, *keys)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - time.time())
        seconds = math.ceil(wait)
        raise Refused(
            f"短時間に多くのリクエストがありました。{seconds}秒後にもう一度お試しください。",
            f"too many requests; try again in {seconds} seconds",
            status=429,
            type_="/problems/rate-limited",
            headers={"Retry-After": str(seconds)},
            limit=tier,
        )
