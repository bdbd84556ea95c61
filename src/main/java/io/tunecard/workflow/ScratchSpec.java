package io.tunecard.workflow;

/**
 * A tiny Mistral-architecture base trained from scratch as a plain language model on train-split
 * text, for offline runs where no weights can be downloaded.
 */
public record ScratchSpec(
    int hiddenSize,
    int intermediateSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    double ropeTheta,
    double rmsNormEps,
    int pretrainSteps,
    int pretrainBatch,
    int pretrainSeqLen,
    double pretrainLr,
    long seed) {

  public ScratchSpec {
    Check.atLeast("hidden_size", hiddenSize, 8);
    Check.atLeast("intermediate_size", intermediateSize, 8);
    Check.atLeast("layers", layers, 1);
    Check.atLeast("heads", heads, 1);
    Check.atLeast("kv_heads", kvHeads, 1);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "kv_heads: must divide heads (" + heads + "), found " + kvHeads);
    }
    Check.atLeast("head_dim", headDim, 2);
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim: must be even for rotary embeddings");
    }
    Check.range("rope_theta", ropeTheta, 0, Double.MAX_VALUE, true);
    Check.range("rms_norm_eps", rmsNormEps, 0, 1, true);
    Check.atLeast("pretrain_steps", pretrainSteps, 0);
    Check.atLeast("pretrain_batch", pretrainBatch, 1);
    Check.atLeast("pretrain_seq_len", pretrainSeqLen, 8);
    Check.range("pretrain_lr", pretrainLr, 0, 1, true);
  }

  static ScratchSpec read(Section s) {
    int hidden = s.integer("hidden_size", 256);
    int heads = s.integer("heads", 4);
    return new ScratchSpec(
        hidden,
        s.integer("intermediate_size", 768),
        s.integer("layers", 4),
        heads,
        s.integer("kv_heads", 2),
        s.integer("head_dim", Math.max(2, hidden / Math.max(1, heads))),
        s.number("rope_theta", 1_000_000.0),
        s.number("rms_norm_eps", 1e-5),
        s.integer("pretrain_steps", 300),
        s.integer("pretrain_batch", 16),
        s.integer("pretrain_seq_len", 128),
        s.number("pretrain_lr", 3e-3),
        s.longValue("seed", 42L));
  }
}
