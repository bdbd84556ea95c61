"""`python -m tunecard_worker doctor`: the declared requirements against what is installed."""

import importlib.metadata as metadata
import json
import re
import subprocess

import pytest
from conftest import PACKAGE_ROOT, worker_env
from tunecard_worker import doctor

REQUIRED = ["torch", "transformers", "peft", "safetensors", "tokenizers", "packaging", "jsonschema"]


def test_the_requirements_come_from_pyproject_in_the_source_tree():
    d = doctor.declared()
    assert d["source"] == str(PACKAGE_ROOT / "pyproject.toml")
    assert d["requires_python"] == ">=3.10"
    required = [r for r, extra in d["requirements"] if extra is None]
    assert [r.split(">")[0].split("=")[0].split("<")[0] for r in required] == REQUIRED
    assert "transformers>=5.17,<5.18" in required and "peft>=0.21,<0.22" in required
    assert any(r.startswith("bitsandbytes") and extra == "nf4" for r, extra in d["requirements"])


def test_the_report_names_installed_versions_and_ranges():
    r = doctor.report(with_torch=False)
    assert r["doctor"] == doctor.FORMAT and r["torch"] is None
    assert r["python"]["ok"] and r["missing"] == []  # this suite runs with the worker's packages
    by_name = {p["name"]: p for p in r["packages"]}
    assert by_name["torch"]["installed"] == metadata.version("torch")
    assert by_name["torch"]["in_range"] is True
    assert by_name["transformers"]["required"] == ">=5.17,<5.18"
    assert by_name["bitsandbytes"]["extra"] == "nf4"


@pytest.mark.parametrize("version, spec, inside", [
    ("2.13.0+cpu", ">=2.6", True),  # a local version label is still in range
    ("2.5.1", ">=2.6", False),
    ("5.18.0", ">=5.17,<5.18", False),
    ("5.17.2", ">=5.17,<5.18", True),
    ("0.22.0.dev0", ">=0.21,<0.22", False),
    (None, ">=1", False),
])
def test_ranges(version, spec, inside):
    assert doctor._in_range(version, spec) is inside


def test_a_missing_package_makes_it_not_ready_with_the_pip_command(monkeypatch, capsys):
    declared = doctor.declared()
    declared["requirements"].append(("tunecard-no-such-package>=1.2", None))
    monkeypatch.setattr(doctor, "declared", lambda: declared)
    assert doctor.main(["--packages"]) == 2
    out = capsys.readouterr().out
    assert "tunecard-no-such-package  MISSING   not installed (needs >=1.2)" in out
    assert "-m pip install 'tunecard-no-such-package>=1.2'" in out.splitlines()[-1]
    assert doctor.main(["--json", "--packages"]) == 2
    assert json.loads(capsys.readouterr().out)["missing"] == ["tunecard-no-such-package"]


def test_an_unknown_option_is_a_usage_error(capsys):
    assert doctor.main(["--gpu"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_installed_metadata_carries_the_same_requirements(monkeypatch):
    try:
        metadata.version(doctor.DIST)
    except metadata.PackageNotFoundError:
        pytest.skip("tunecard-worker is not pip-installed in this environment")
    from_source = doctor.declared()
    monkeypatch.setattr(doctor, "_pyproject", lambda: None)
    installed = doctor.declared()
    assert installed["source"].startswith(f"installed {doctor.DIST}")
    from packaging.requirements import Requirement

    def parsed(reqs):
        return sorted((Requirement(r).name, sorted(map(str, Requirement(r).specifier)), e or "")
                      for r, e in reqs)

    assert parsed(installed["requirements"]) == parsed(from_source["requirements"])


def test_the_parent_reads_one_json_document_from_stdout():
    proc = subprocess.run([__import__("sys").executable, "-m", "tunecard_worker", "doctor",
                           "--json", "--packages"], env=worker_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["worker"]["location"] == str(PACKAGE_ROOT / "tunecard_worker")


def test_the_spec_validator_is_a_required_package_the_doctor_reports_missing(monkeypatch, capsys):
    required = [r for r, extra in doctor.declared()["requirements"] if extra is None]
    assert "jsonschema>=4.18,<5" in required
    installed = doctor._installed
    monkeypatch.setattr(doctor, "_installed",
                        lambda name: None if name == "jsonschema" else installed(name))
    assert doctor.main(["--packages"]) == 2
    out = capsys.readouterr().out
    assert re.search(r"^jsonschema +MISSING +not installed \(needs >=4.18,<5\)$", out, re.M), out
    assert "'jsonschema>=4.18,<5'" in out.splitlines()[-1]
