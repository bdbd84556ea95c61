"""A model pulled by `tunecard pull` (the Java command, from a fake Hub on loopback) loads in
transformers with HF_HUB_OFFLINE=1: the cache it writes is huggingface_hub's own layout.

Needs the built Java classes (`mvn test-compile`: target/classes, target/test-classes and
target/classpath.txt) and `java`; skipped otherwise."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PACKAGE_ROOT, REPO

TARGET = REPO / "target"
TOKEN = "hf_fake"


def java_classpath() -> str:
    cp_file = TARGET / "classpath.txt"
    needed = [TARGET / "classes", TARGET / "test-classes", cp_file]
    missing = [str(p) for p in needed if not p.exists()]
    if missing or shutil.which("java") is None:
        pytest.skip("needs the built Java classes (mvn test-compile) and java: missing "
                    + ", ".join(missing or ["java"]))
    return os.pathsep.join([str(TARGET / "test-classes"), str(TARGET / "classes"),
                            cp_file.read_text().strip()])


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "TRANSFORMERS_"))}
    env.update(extra)
    return env


LOAD = r"""
import json, sys
import torch
from huggingface_hub import scan_cache_dir
from transformers import AutoModelForCausalLM, AutoTokenizer
from tunecard_worker import modeling

repo, commit, original = sys.argv[1], sys.argv[2], sys.argv[3]
ids = torch.tensor([[1, 7, 42, 99, 3]])
pulled = AutoModelForCausalLM.from_pretrained(repo).eval()
reference = AutoModelForCausalLM.from_pretrained(original).eval()
with torch.no_grad():
    diff = (pulled(ids).logits - reference(ids).logits).abs().max().item()
tokenizer = AutoTokenizer.from_pretrained(repo)
info = scan_cache_dir()
repos = {r.repo_id: r for r in info.repos}
revisions = {r.commit_hash: r for r in repos[repo].revisions}
print(json.dumps({
    "max_abs_logit_diff": diff,
    "tokens": tokenizer("What is gout?")["input_ids"],
    "reference_tokens": AutoTokenizer.from_pretrained(original)("What is gout?")["input_ids"],
    "warnings": [str(w) for w in info.warnings],
    "commits": list(revisions),
    "refs": sorted(r for rev in revisions.values() for r in rev.refs),
    "files": sorted(f.file_name for f in revisions[commit].files),
    "worker_dir": str(modeling.model_dir(repo)),
    "worker_dir_pinned": str(modeling.model_dir(repo + "@" + commit)),
}))
"""


def test_a_model_tunecard_pulled_loads_in_transformers_offline(tiny_model, tmp_path):
    classpath = java_classpath()
    hub = subprocess.Popen(
        ["java", "-cp", classpath, "io.tunecard.hub.FakeDownloadHub", str(tiny_model),
         "org/tiny-model"],
        stdout=subprocess.PIPE, text=True, env=clean_env(FAKE_HUB_TOKEN=TOKEN))
    try:
        words = hub.stdout.readline().split()
        assert words[0] == "endpoint", words
        endpoint, commit = words[1], words[3]
        cache = tmp_path / "hub"
        pull = subprocess.run(
            ["java", "-cp", os.pathsep.join([str(TARGET / "classes"),
                                             (TARGET / "classpath.txt").read_text().strip()]),
             "io.tunecard.cli.Main", "pull", "org/tiny-model"],
            capture_output=True, text=True, timeout=300,
            env=clean_env(HF_ENDPOINT=endpoint, HF_HUB_CACHE=str(cache), HF_TOKEN=TOKEN))
        assert pull.returncode == 0, pull.stderr
    finally:
        hub.kill()  # the network is gone from here on
        hub.wait()
    snapshot = cache / "models--org--tiny-model" / "snapshots" / commit
    assert pull.stdout.strip() == str(snapshot)
    assert (cache / "models--org--tiny-model" / "refs" / "main").read_text() == commit
    weights = snapshot / "model.safetensors"
    assert weights.is_symlink() and not os.path.isabs(os.readlink(weights))

    env = clean_env(HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(cache),
                    PYTHONPATH=str(PACKAGE_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    load = subprocess.run([sys.executable, "-c", LOAD, "org/tiny-model", commit, str(tiny_model)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert load.returncode == 0, load.stderr
    out = json.loads(load.stdout.strip().splitlines()[-1])
    assert out["max_abs_logit_diff"] == 0.0
    assert out["tokens"] == out["reference_tokens"]
    assert out["warnings"] == []
    assert out["commits"] == [commit]
    assert out["refs"] == ["main"]
    assert "model.safetensors" in out["files"] and "config.json" in out["files"]
    assert out["worker_dir"] == str(snapshot) == out["worker_dir_pinned"]
