"""docs/example.ipynb runs top to bottom, in a kernel of this interpreter (issue 14).

The notebook is executed with nbclient in a Jupyter kernel started from ``sys.executable``
(a kernelspec written to a temporary ``JUPYTER_PATH``, so no kernel installed elsewhere on
the machine is picked up). A cell that raises fails the test with the cell's traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

DOCS = Path(__file__).resolve().parents[1] / "docs"
KERNEL = "scalesim-test"


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "scalesim test",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("MPLBACKEND", "agg")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))


def test_the_example_notebook_runs_top_to_bottom(kernel_env: None) -> None:
    nb = nbformat.read(DOCS / "example.ipynb", as_version=4)
    nbformat.validate(nb)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=600,
        resources={"metadata": {"path": str(DOCS)}},
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # The figures came back as images, and the report was written.
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2
    texts = " ".join(o.get("data", {}).get("text/plain", "") for c in code for o in c.outputs)
    assert "compare.html" in texts
    # The run used the CLI's default seed (the second output of the run cell).
    assert "(1, " in texts
    assert os.environ["MPLBACKEND"] == "agg"
