"""RFC 9110 If-Match against a row's ``version``: a save goes ahead only on the version its
editor loaded, so two people changing one row never overwrite each other unseen (a
safety-map place, a school-route site, an inspection, a building of the register)."""

from __future__ import annotations

from typing import Any

from layers.store.refusals import Refused


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(
    version: int,
    if_match: str | None,
    what: tuple[str, str],
    *,
    required: bool,
    **current: Any,
) -> None:
    """``what``: the row in Japanese and English (地点, place). Without If-Match: 428 when
    ``required``; a stale one: 412 carrying the current ETag and ``current`` members (the
    row as it is now, so an editor shows both and nothing typed is lost)."""
    what_ja, what_en = what
    if if_match is None:
        if required:
            raise Refused(
                f"If-Match ヘッダーに、読み込んだ{what_ja}の ETag を付けてください。",
                f"send the ETag of the {what_en} you loaded in If-Match",
                status=428,
            )
        return
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in wanted or etag(version) in wanted:
        return
    raise Refused(
        f"ほかの人がこの{what_ja}を先に変更しました。今の内容を確かめてから、"
        "もう一度保存してください。",
        f"someone else changed this {what_en} first: check its current content and save again",
        status=412,
        type_="/problems/edit-conflict",
        headers={"ETag": etag(version)},
        **current,
    )
