"""The package works installed, away from the repository: its policies and catalog ship inside it.

The YAML files used to be found through ``Path(__file__).parents[1]``, so an install outside the
repository could not grade (issue 12). Here the wheel is built and installed into a fresh
virtual environment (its dependencies borrowed from the test environment's site-packages, not
reinstalled), and the demo runs from an empty folder elsewhere.
"""

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def _run(*args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True, timeout=600)


def test_the_installed_package_runs_the_demo_from_an_empty_folder(tmp_path):
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(REPOSITORY), "-w",
         str(tmp_path / "wheel"))  # fmt: skip
    [wheel] = (tmp_path / "wheel").glob("credit_scoring-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv))
    python = venv / "bin" / "python"
    site = _run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    # A path line, not a site dir: the test environment's editable install is not picked up.
    (Path(site.stdout.strip()) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel))
    empty = tmp_path / "empty"
    empty.mkdir()
    where = _run(str(python), "-c", "import credit_scoring.settings as s; "
                 "print(s.__file__, s.Settings().policy_dir.resolve())", cwd=empty)  # fmt: skip
    module, policies = where.stdout.split()
    assert module.startswith(str(venv)) and policies.startswith(str(venv))
    assert (Path(policies) / "grading.yaml").is_file() and not Path(policies).is_symlink()
    done = _run(str(venv / "bin" / "credit-scoring"), "demo", "--subjects", "1000", "--workdir",
                "out", "--json", cwd=empty)  # fmt: skip
    summary = json.loads(done.stdout)
    assert summary["grading"]["source"] == "gbm" and summary["grading"]["fallback"] is None
    assert summary["plan"]["inspections"] > 0
    assert (empty / "out" / "grades.parquet").is_file()
