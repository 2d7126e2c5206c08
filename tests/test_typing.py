"""The public signatures, checked by mypy: tests/typing/public_api.py uses every part of
the API with ``assert_type`` and calls that must be refused (``# type: ignore[...]``
that strict mode requires to be needed)."""

from __future__ import annotations

from conftest import REPO
from mypy import api


def test_public_signatures_type_check() -> None:
    out, err, status = api.run(["--strict", "--no-incremental", "--cache-dir=/dev/null",
                                str(REPO / "tests" / "typing")])
    assert (status, err) == (0, ""), out


def test_the_type_check_can_fail(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A wrong use of the API is reported (the check above is not vacuous)."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from datetime import date\nimport doseplan\n"
                     "doseplan.build_plan(doseplan.load_regimen('aue-2010'), '2027-01-04')\n",
                     encoding="utf-8")
    out, _, status = api.run(["--strict", "--no-incremental", "--cache-dir=/dev/null",
                              str(wrong)])
    assert status == 1
    assert 'Argument 2 to "build_plan" has incompatible type "str"; expected "date"' in out
