"""``python -m tunecard_worker doctor [--json] [--packages]``: what this interpreter has for the hf
engine, checked against the package's declared requirements.

The requirements are read from ``pyproject.toml`` beside the package when it runs from the source
tree, else from the installed distribution's metadata: one list, the one pip installs from. The
JVM reads ``--json`` (``tunecard doctor``; the training stage's preflight with ``--packages``,
which imports nothing heavy). Exit 0 when every required package is installed, 2 otherwise.
"""

from __future__ import annotations  # an old interpreter still gets as far as naming its version

import importlib.metadata as metadata
import importlib.util
import json
import platform
import re
import sys
from pathlib import Path

DIST = "tunecard-worker"
FORMAT = 1
USAGE = "usage: python3 -m tunecard_worker doctor [--json] [--packages]"


def _pyproject() -> Path | None:
    """The source tree's pyproject.toml when this package runs from it (not from an install)."""
    candidate = Path(__file__).resolve().parent.parent / "pyproject.toml"
    return candidate if candidate.is_file() else None


def _read_pyproject(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise SystemExit(f"{path}: reading it needs Python 3.11+ or the tomli package "
                             "(pip install tomli), or install the worker (pip install "
                             f"{path.parent})") from None
    with open(path, "rb") as f:
        project = tomllib.load(f).get("project", {})
    if project.get("name") != DIST:
        raise SystemExit(f"{path}: expected the {DIST} project, found {project.get('name')!r}")
    return project


def declared() -> dict:
    """{version, requires_python, source, requirements: [(requirement string, extra or None)]}."""
    path = _pyproject()
    if path is not None:
        project = _read_pyproject(path)
        reqs = [(r, None) for r in project.get("dependencies", [])]
        for extra, items in project.get("optional-dependencies", {}).items():
            reqs += [(r, extra) for r in items]
        return {"version": project.get("version"), "requires_python":
                project.get("requires-python"), "source": str(path), "requirements": reqs}
    try:
        meta = metadata.metadata(DIST)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"tunecard_worker at {Path(__file__).parent} is neither in a source tree "
                         f"with pyproject.toml nor an installed {DIST} distribution") from None
    reqs = []
    for line in metadata.requires(DIST) or []:
        spec, _, marker = line.partition(";")
        found = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        reqs.append((spec.strip(), found.group(1) if found else None))
    return {"version": meta["Version"], "requires_python": meta["Requires-Python"],
            "source": f"installed {DIST} {meta['Version']}", "requirements": reqs}


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _in_range(version: str | None, specifier: str):
    """True/False, or None when it cannot be told (packaging is missing)."""
    if version is None:
        return False
    try:
        from packaging.specifiers import SpecifierSet
    except ModuleNotFoundError:
        return None
    return SpecifierSet(specifier).contains(version, prereleases=True)


def packages(reqs: list) -> list:
    out = []
    for text, extra in reqs:
        name, specifier = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)", text).groups()
        version = _installed(name)
        out.append({"name": name, "required": specifier.strip(), "extra": extra,
                    "installed": version, "in_range": _in_range(version, specifier.strip())})
    return out


def torch_report() -> dict | None:
    """torch's build and the CUDA devices it sees, with free memory; None without torch."""
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        import torch

        devices = []
        available = torch.cuda.is_available()
        for i in range(torch.cuda.device_count() if available else 0):
            free, total = torch.cuda.mem_get_info(i)
            major, minor = torch.cuda.get_device_capability(i)
            devices.append({"index": i, "name": torch.cuda.get_device_name(i),
                            "free_bytes": free, "total_bytes": total,
                            "capability": f"{major}.{minor}", "bf16": major >= 8})
        return {"version": torch.__version__, "cuda": torch.version.cuda,
                "cuda_available": available, "devices": devices, "error": None}
    except Exception as e:  # noqa: BLE001 - a broken CUDA setup is a finding, not a crash
        return {"version": getattr(sys.modules.get("torch"), "__version__", None), "cuda": None,
                "cuda_available": False, "devices": [], "error": f"{type(e).__name__}: {e}"}


def report(with_torch: bool = True) -> dict:
    d = declared()
    pkgs = packages(d["requirements"])
    python_ok = _in_range(platform.python_version(), d["requires_python"] or "")
    return {
        "doctor": FORMAT,
        "python": {"executable": sys.executable, "version": platform.python_version(),
                   "requires": d["requires_python"], "ok": python_ok is not False},
        "worker": {"version": d["version"], "location": str(Path(__file__).resolve().parent),
                   "requirements_from": d["source"]},
        "packages": pkgs,
        "missing": [p["name"] for p in pkgs if p["extra"] is None and p["installed"] is None],
        "torch": torch_report() if with_torch else None,
    }


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def table(r: dict) -> str:
    rows = [("python", "ok" if r["python"]["ok"] else "MISSING",
             f"{r['python']['version']} at {r['python']['executable']} "
             f"(requires {r['python']['requires']})"),
            ("tunecard_worker", "ok", f"{r['worker']['version']} at {r['worker']['location']}")]
    for p in r["packages"]:
        label = p["name"] + (f" [{p['extra']}]" if p["extra"] else "")
        if p["installed"] is None:
            status = "-" if p["extra"] else "MISSING"
            found = f"not installed (needs {p['required'] or 'any'})"
        else:
            status = "ok" if p["in_range"] is not False else "untested"
            found = f"{p['installed']} (tested {p['required'] or 'any'})"
        rows.append((label, status, found))
    t = r["torch"]
    if t is not None:
        cuda = f"CUDA {t['cuda']}" if t["cuda"] else "CPU-only build"
        seen = "; ".join(f"{d['name']}: {_gib(d['free_bytes'])} free of {_gib(d['total_bytes'])}"
                         for d in t["devices"]) or (t["error"] or "no CUDA device visible")
        rows.append(("gpu", "ok" if t["devices"] else "-", f"torch {t['version']}, {cuda}; {seen}"))
    width = max(len(a) for a, _, _ in rows)
    lines = [f"{a:<{width}}  {b:<8}  {c}" for a, b, c in rows]
    if r["missing"]:
        lines.append("not ready: " + install_hint(r))
    return "\n".join(lines)


def install_hint(r: dict) -> str:
    """The pip command that installs the missing required packages in their tested ranges."""
    wanted = [f"'{p['name']}{p['required']}'" for p in r["packages"]
              if p["extra"] is None and p["installed"] is None]
    return f"{r['python']['executable']} -m pip install {' '.join(wanted)}"


def main(argv: list) -> int:
    unknown = [a for a in argv if a not in ("--json", "--packages")]
    if unknown:
        print(f"{USAGE} (unknown: {' '.join(unknown)})", file=sys.stderr)
        return 2
    r = report(with_torch="--packages" not in argv)
    print(json.dumps(r, indent=2) if "--json" in argv else table(r), flush=True)
    return 2 if r["missing"] or not r["python"]["ok"] else 0
