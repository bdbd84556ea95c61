"""Makes bertscore_cases.json: the matching step of bert_score (greedy_cos_idf over padded
batches, float32, as bert_cos_score_idf runs it) written out with NumPy, on random embeddings.

Run: python3 make_cases.py > bertscore_cases.json
"""
import json

import numpy as np

rng = np.random.default_rng(20240611)
DIM = 8
BATCH = 3
# (candidate tokens, reference tokens) including <s> and </s>; a length of 2 is an empty sentence.
SHAPES = [(5, 7), (9, 4), (3, 3), (2, 6), (6, 2), (11, 8), (4, 10)]


def side(length):
    emb = rng.normal(size=(length, DIM)).astype(np.float32)
    w = np.ones(length, dtype=np.float32)
    w[0] = 0.0
    w[-1] = 0.0
    return emb, w


def pad(items, value):
    longest = max(len(e) for e, _ in items)
    emb = np.full((len(items), longest, DIM), value, dtype=np.float32)
    idf = np.zeros((len(items), longest), dtype=np.float32)
    mask = np.zeros((len(items), longest), dtype=np.float32)
    for b, (e, w) in enumerate(items):
        emb[b, : len(e)] = e
        idf[b, : len(w)] = w
        mask[b, : len(e)] = 1.0
    return emb, mask, idf


def greedy_cos_idf(ref_emb, ref_mask, ref_idf, hyp_emb, hyp_mask, hyp_idf):
    ref_emb = ref_emb / np.linalg.norm(ref_emb, axis=-1, keepdims=True)
    hyp_emb = hyp_emb / np.linalg.norm(hyp_emb, axis=-1, keepdims=True)
    sim = np.einsum("bik,bjk->bij", hyp_emb, ref_emb)  # (batch, hyp, ref)
    masks = hyp_mask[:, :, None] * ref_mask[:, None, :]
    sim = sim * masks
    word_precision = sim.max(axis=2)
    word_recall = sim.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hyp_idf = hyp_idf / hyp_idf.sum(axis=1, keepdims=True)
        ref_idf = ref_idf / ref_idf.sum(axis=1, keepdims=True)
        p = (word_precision * hyp_idf).sum(axis=1)
        r = (word_recall * ref_idf).sum(axis=1)
        f = 2 * p * r / (p + r)
    hyp_zero = hyp_mask.sum(axis=1) == 2
    ref_zero = ref_mask.sum(axis=1) == 2
    p = np.where(hyp_zero | ref_zero, 0.0, p)
    r = np.where(hyp_zero | ref_zero, 0.0, r)
    f = np.where(np.isnan(f), 0.0, f)
    return p, r, f


pairs = [(side(c), side(r)) for c, r in SHAPES]
# Pair 2 has only negative similarities (positive-orthant candidate, negative-orthant reference),
# so the zero-similarity padding of its batch decides every best match.
(c_emb, c_w), (r_emb, r_w) = pairs[2]
pairs[2] = ((np.abs(c_emb), c_w), (-np.abs(r_emb), r_w))
expected = []
for start in range(0, len(pairs), BATCH):
    batch = pairs[start : start + BATCH]
    hyp = pad([c for c, _ in batch], 2.0)
    ref = pad([r for _, r in batch], 2.0)
    p, r, f = greedy_cos_idf(*ref, *hyp)
    expected += [[float(p[i]), float(r[i]), float(f[i])] for i in range(len(batch))]

print(
    json.dumps(
        {
            "batch_size": BATCH,
            "pairs": [
                {
                    "candidate": c[0].tolist(),
                    "candidate_weights": c[1].tolist(),
                    "reference": r[0].tolist(),
                    "reference_weights": r[1].tolist(),
                    "expected_batched": expected[i],
                }
                for i, (c, r) in enumerate(pairs)
            ],
        }
    )
)
