"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml) are all kept.

CI runs `lint-imports` too; running it here as well means `make test` alone catches an upward import or a cycle.
The second test proves the contract can fail: a module of `sets` that imports `learning` is reported, with its line.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run([command], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_import_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    # A copy of the project's packages with one upward import added: sets -> learning.
    for name in ("actionlearning", "core", "accounts", "sets", "meetings", "learning", "reports"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "sets" / "contract.py").open("a") as module:
        module.write("\n\nfrom learning import models as _upward  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "sets is not allowed to import learning" in result.stdout
    assert "sets.contract -> learning.models" in result.stdout
