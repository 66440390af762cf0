"""The layers stay as docs/layout.md draws them: import-linter's contracts (pyproject.toml) hold,
and nothing imports the old top-level names (`tasks`, `flows`, `warehouse`) that the install no
longer provides."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OLD_IMPORT = re.compile(r"^\s*(?:from|import) (?:tasks|flows|warehouse)\b", re.MULTILINE)


def test_import_contracts_are_kept() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_nothing_imports_the_old_top_level_names() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("flows", "tasks", "warehouse", "tests", "bench", "scripts")
        for path in (REPO / folder).rglob("*.py")
        if OLD_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
