"""bertscore.py: one definition with the JVM's BertScorer, checked on shared vectors.

fixtures/bertscore-parity/vectors.json holds P/R/F that this module computed (made by
scripts/fixtures/make_bertscore_parity.py); the JVM's BertScoreParityTest must reproduce the same
numbers within 1e-5 from the same encoder and sentences. Here they are recomputed, and the matching
is checked against bert_score's algorithm written independently (NumPy cases, and the tiny RoBERTa
of make_fixtures.py).
"""

import json
from pathlib import Path

import pytest
import torch
from conftest import REPO

from tunecard_worker import bertscore
from tunecard_worker.events import WorkerError

FIXTURES = REPO / "src" / "test" / "resources" / "fixtures"
PARITY = FIXTURES / "bertscore-parity"
CASES = REPO / "src/test/resources/io/tunecard/metrics/bertscore/bertscore_cases.json"
CPU = torch.device("cpu")
TOLERANCE = 1e-5


def vectors() -> dict:
    return json.loads((PARITY / "vectors.json").read_text(encoding="utf-8"))


def scorer(batch: int, rescale: bool = False, layer: int | None = None, **kw) -> bertscore.Scorer:
    v = vectors()
    return bertscore.Scorer(PARITY / v["encoder"], v["layer"] if layer is None else layer, batch,
                            rescale, kw.pop("device", CPU), **kw)


def assert_close(got: list, want: list, tolerance: float = TOLERANCE) -> float:
    assert len(got) == len(want)
    worst = max(abs(g - w) for gs, ws in zip(got, want) for g, w in zip(gs, ws))
    assert worst <= tolerance, f"max |diff| {worst:.3g}"
    return worst


@pytest.mark.parametrize("key,batch,rescale", [("batched", None, False),
                                               ("one_per_batch", 1, False),
                                               ("rescaled", None, True)])
def test_the_worker_reproduces_the_shared_vectors(key, batch, rescale):
    v = vectors()
    s = scorer(batch or v["batch"], rescale)
    cands = [p["candidate"] for p in v["pairs"]]
    refs = [p["reference"] for p in v["pairs"]]
    assert [s.sentence_ids(c) for c in cands] == [p["candidate_ids"] for p in v["pairs"]]
    assert [s.sentence_ids(r) for r in refs] == [p["reference_ids"] for p in v["pairs"]]
    assert_close(s.score(cands, refs), v[key])


def test_the_vectors_cover_what_the_definition_distinguishes():
    v = vectors()
    pairs, batched, alone = v["pairs"], v["batched"], v["one_per_batch"]
    # bert_score's zero-similarity padding changed some pairs' scores
    assert sum(abs(a[2] - b[2]) > 1e-4 for a, b in zip(batched, alone)) >= 2
    # empty sides (after strip) score P = R = 0; identical sentences score 1
    empty = [i for i, p in enumerate(pairs)
             if not p["candidate"].strip() or not p["reference"].strip()]
    assert len(empty) == 2 and all(batched[i][:2] == [0.0, 0.0] for i in empty)
    same = [i for i, p in enumerate(pairs) if p["candidate"] == p["reference"]]
    assert same and all(x == pytest.approx(1.0, abs=1e-9) for i in same for x in batched[i])
    # a sentence longer than the encoder's positions is cut to fill them exactly
    config = json.loads((PARITY / "encoder" / "config.json").read_text())
    positions = config["max_position_embeddings"]
    assert max(len(p["candidate_ids"]) for p in pairs) == positions - 2
    # rescaling moved every F but 1 (a fixed point of (x - b) / (1 - b))
    assert all(abs(r[2] - b[2]) > 1e-3 for r, b in zip(v["rescaled"], batched) if b[2] < 0.999)


def test_the_matching_equals_bert_score_on_numpy_cases():
    doc = json.loads(CASES.read_text())
    pairs, size = doc["pairs"], doc["batch_size"]
    got = []
    for start in range(0, len(pairs), size):
        batch = pairs[start:start + size]
        got += bertscore.match([torch.tensor(p["candidate"]) for p in batch],
                               [p["candidate_weights"] for p in batch],
                               [torch.tensor(p["reference"]) for p in batch],
                               [p["reference_weights"] for p in batch])
    assert_close(got, [p["expected_batched"] for p in pairs])


def test_layer_l_of_the_tiny_roberta_matches_the_bert_score_fixture():
    from safetensors.torch import load_file

    fx = json.loads((FIXTURES / "bertscore.json").read_text())
    expected = load_file(str(FIXTURES / "bertscore.safetensors"))
    from transformers import AutoModel

    # roberta-tiny has no tokenizer: the fixture gives ids; the cut is the one Scorer makes
    model = AutoModel.from_pretrained(FIXTURES / "roberta-tiny", num_hidden_layers=fx["layer"],
                                      add_pooling_layer=False).eval()
    got, want = [], []
    for i, p in enumerate(fx["pairs"]):
        states = []
        for key, ids in ((f"cand_{i}", p["candidate"]), (f"ref_{i}", p["reference"])):
            with torch.no_grad():
                h = model(input_ids=torch.tensor([ids])).last_hidden_state[0]
            assert (h - expected[key]).abs().max().item() <= TOLERANCE
            states.append(h)
        weights = [[0.0 if t in fx["special_token_ids"] else 1.0 for t in ids]
                   for ids in (p["candidate"], p["reference"])]
        got += bertscore.match([states[0]], [weights[0]], [states[1]], [weights[1]])
        want.append([p["P"], p["R"], p["F"]])
    assert_close(got, want)


def test_the_cut_encoder_gives_the_full_models_hidden_state_of_layer_l():
    from transformers import AutoModel

    v = vectors()
    full = AutoModel.from_pretrained(PARITY / "encoder", add_pooling_layer=False).eval()
    for layer in (0, 1, v["layer"]):
        s = scorer(4, layer=layer)
        ids = s.sentence_ids(v["pairs"][0]["candidate"])
        s.encode([v["pairs"][0]["candidate"]])
        with torch.no_grad():
            out = full(input_ids=torch.tensor([ids]), output_hidden_states=True)
        want = out.hidden_states[layer]
        assert (s.states[v["pairs"][0]["candidate"]] - want[0]).abs().max().item() <= 1e-5


def test_padding_in_an_encoder_batch_does_not_change_a_sentences_states():
    v = vectors()
    sentences = [p["candidate"] for p in v["pairs"]]
    together = scorer(4)
    together.encode(sentences)
    for sentence in sentences[:6]:
        alone = scorer(4)
        alone.encode([sentence])
        diff = (alone.states[sentence] - together.states[sentence]).abs().max().item()
        assert diff <= 1e-5, sentence


def test_bad_encoders_and_baselines_are_bad_input(tmp_path):
    with pytest.raises(WorkerError, match="layer 9 asked for, the encoder has 4 layers"):
        scorer(4, layer=9)
    (tmp_path / "b.tsv").write_text("LAYER,P,R,F\n1,0.1,0.2,0.3\n")
    with pytest.raises(WorkerError, match="no baseline row for layer 3"):
        bertscore.read_baseline(tmp_path / "b.tsv", 3)
    (tmp_path / "c.tsv").write_text("LAYER,P,R,F\n3,0.1,x,0.3\n")
    with pytest.raises(WorkerError, match="line 2: expected LAYER,P,R,F numbers"):
        bertscore.read_baseline(tmp_path / "c.tsv", 3)
    with pytest.raises(WorkerError, match="bf16 runs on a CUDA GPU only"):
        scorer(4, dtype=torch.bfloat16)
    with pytest.raises(WorkerError, match="not a readable tokenizer.json|tokenizer"):
        bertscore.Scorer(FIXTURES / "roberta-tiny", 2, 4, False, CPU)
