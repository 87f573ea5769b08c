"""The staff notebooks (notebooks/) run from top to bottom against the demo city, as a staff
member would run them, so they never rot: each is executed in a fresh Python kernel whose
`machimap db url` is this test's own database, and its own assertions check its figures.
Outputs are never committed (a notebook on disk is its source)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat's own


NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_the_three_planning_notebooks() -> None:
    assert {n.stem for n in NOTEBOOKS} >= {
        "renewal_projection",
        "coverage_and_mergers",
        "hotspots",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_hold_no_outputs(path: Path) -> None:
    notebook = _read(path)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_against_the_demo_city(path: Path, demo_url: str) -> None:
    # The kernel inherits this process's environment: DATABASE_URL is the test's database.
    assert os.environ["DATABASE_URL"]
    notebook = _read(path)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # The last cell draws the notebook's map.
    last = notebook.cells[-1].outputs
    assert any("leaflet" in str(o.get("data", {})).lower() for o in last)
