"""The package type-checks (mypy, configured in pyproject.toml)."""

from __future__ import annotations

import pytest

from tests.conftest import REPO


def test_package_type_checks():
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            str(REPO / "layton_eval"),
        ]
    )
    assert status == 0, stdout + stderr
