"""The coverage bench on a small case: PostGIS and plain pandas agree on every facility's
people and on the people beyond the distance (the bench exits 1 when they do not)."""

from __future__ import annotations

import pytest

from bench.planning.coverage import main


def test_the_bench_answers_agree(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--units", "120", "--facilities", "12", "--repeat", "1", "--database-url", db_url]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "same people per facility and beyond" in out
    assert "120 units × 12 facilities" in out
