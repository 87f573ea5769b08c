"""Abuse limits on sign-in, sign-up and every write, using the `limits` library. The tiers
come from settings; an exceeded tier answers 429 with Retry-After."""

from __future__ import annotations

import math
import time
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from layers.store.refusals import Refused
from layers.store.settings import Settings

Tier = Literal["sign_in_ip", "sign_in_failures", "sign_up_ip", "write_ip", "write_account"]
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
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self._tiers: dict[Tier, list[RateLimitItem]] = {
            name: parse_many(getattr(settings, f"rate_limit_{name}")) for name in TIERS
        }

    def hit(self, tier: Tier, *keys: str) -> None:
        """Count one request; 429 if any tier of this limit is already used up."""
        if not self.enabled:
            return
        for item in self._tiers[tier]:
            if not self._limiter.hit(item, tier, *keys):
                self._refuse(tier, keys)

    def check(self, tier: Tier, *keys: str) -> None:
        """429 if the limit is used up, without counting this request."""
        if not self.enabled:
            return
        for item in self._tiers[tier]:
            if not self._limiter.test(item, tier, *keys):
                self._refuse(tier, keys)

    def clear(self, tier: Tier, *keys: str) -> None:
        for item in self._tiers[tier]:
            self._limiter.clear(item, tier, *keys)

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
