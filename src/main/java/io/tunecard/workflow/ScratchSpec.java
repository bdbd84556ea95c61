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

  private static final String TINY =
      "the scratch base is a tiny model pre-trained in the run (Mistral-7B itself has";

  public ScratchSpec {
    Check c =
        new Check()
            .between("hidden_size", hiddenSize, 8, 8192, TINY + " 4096)")
            .between("intermediate_size", intermediateSize, 8, 32768, TINY + " 14336)")
            .between("layers", layers, 1, 128, TINY + " 32)")
            .between("heads", heads, 1, 256, TINY + " 32)")
            .between("kv_heads", kvHeads, 1, 256, TINY + " 8)")
            .between("head_dim", headDim, 2, 1024, TINY + " 128)");
    if (c.ok("heads") && c.ok("kv_heads") && heads % kvHeads != 0) {
      c.fail("kv_heads", "must divide heads (" + heads + "), found " + kvHeads);
    }
    if (c.ok("head_dim") && headDim % 2 != 0) {
      c.fail("head_dim", "must be even for rotary embeddings");
    }
    c.range("rope_theta", ropeTheta, 0, Double.MAX_VALUE, true)
        .range("rms_norm_eps", rmsNormEps, 0, 1, true)
        .between("pretrain_steps", pretrainSteps, 0, 10_000_000, "ten million steps")
        .between("pretrain_batch", pretrainBatch, 1, 4096, "a batch is held in memory at once")
        .between(
            "pretrain_seq_len",
            pretrainSeqLen,
            8,
            ModelSpec.SCRATCH_POSITIONS,
            "a scratch base has " + ModelSpec.SCRATCH_POSITIONS + " positions")
        .range("pretrain_lr", pretrainLr, 0, 1, true)
        .done();
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
