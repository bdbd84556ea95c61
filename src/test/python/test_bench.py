"""scripts/bench/hf_engine_bench.py's evaluation phases run on the CPU with a tiny model (the GPU
run is the same code at Mistral-7B's shape)."""

import json
import subprocess
import sys

from conftest import REPO, worker_env


def test_the_evaluation_phases_run_and_one_failing_leaves_the_others(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(REPO / "scripts" / "bench" / "hf_engine_bench.py"), "--tiny",
           "--out", str(out), "--phases", "env,eval,gradcheck", "--new-tokens", "8",
           "--grad-train-steps", "8", "--loss-batch", "0",  # eval loss fails: batch 0
           "--strategies", "beam_4,greedy,topp_0.9", "--time-limit-s", "500"]
    proc = subprocess.run(cmd, env=worker_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    d = json.loads(out.read_text())
    assert "evalloss_error" in d
    for key in ("evalgen", "evalreal"):
        rows = d[key]["rows"]
        assert len(rows) == (6 if key == "evalgen" else 3)
        assert all(r["output_tokens"] > 0 and r["projected_minutes"] > 0 for r in rows.values())
    assert all(r["output_tokens"] == 16 * 8 for r in d["evalgen"]["rows"].values())  # forced
    real = d["evalreal"]
    assert real["lengths"].startswith("drawn")  # each answer stops at its own drawn length
    assert all(r["output_tokens"] == round(16 * real["mean_cap"]) for r in real["rows"].values())
    assert d["bertscore"]["projected_minutes"] > 0 and d["bertscore_real"]["projected_minutes"] > 0
    for which in ("trained", "mistral7b"):
        errors = d["gradcheck"][which]
        assert 0 < errors["bf16_sdpa_mask"]["all"] < 0.2 and "q_proj.A" in errors["bf16_varlen"]
    lines = d["summary"]
    assert any(x.startswith("eval_generation_minutes: ") for x in lines)
    assert any(x.startswith("eval_beam_4_tokens_per_s: ") for x in lines)
    assert not any(x.startswith("eval_full_minutes") for x in lines)  # no eval loss, no total
