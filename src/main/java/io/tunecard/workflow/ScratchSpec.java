package io.tunecard.workflow;

import java.util.List;

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

  public static final Setting<Integer> HIDDEN_SIZE =
      Setting.count("hidden_size", 256, 8, 8192, TINY + " 4096)").help("the residual width");
  public static final Setting<Integer> INTERMEDIATE_SIZE =
      Setting.count("intermediate_size", 768, 8, 32768, TINY + " 14336)")
          .help("the MLP's inner width");
  public static final Setting<Integer> LAYERS =
      Setting.count("layers", 4, 1, 128, TINY + " 32)").help("decoder layers");
  public static final Setting<Integer> HEADS =
      Setting.count("heads", 4, 1, 256, TINY + " 32)").help("attention heads");
  public static final Setting<Integer> KV_HEADS =
      Setting.count("kv_heads", 2, 1, 256, TINY + " 8)")
          .help("key/value heads (grouped-query attention); divides heads");
  public static final Setting<Integer> HEAD_DIM =
      Setting.count("head_dim", null, 2, 1024, TINY + " 128)")
          .help("each head's width, even (rotary embeddings)")
          .shown("`hidden_size` / `heads`");
  public static final Setting<Double> ROPE_THETA =
      Setting.number("rope_theta", 1_000_000.0, 0, Double.MAX_VALUE, true)
          .help("the rotary embeddings' base");
  public static final Setting<Double> RMS_NORM_EPS =
      Setting.number("rms_norm_eps", 1e-5, 0, 1, true).help("RMSNorm's epsilon");
  public static final Setting<Integer> PRETRAIN_STEPS =
      Setting.count("pretrain_steps", 300, 0, 10_000_000, "ten million steps")
          .help("optimizer steps of the base's pre-training on train-split text");
  public static final Setting<Integer> PRETRAIN_BATCH =
      Setting.count("pretrain_batch", 16, 1, 4096, "a batch is held in memory at once")
          .help("sequences per pre-training step");
  public static final Setting<Integer> PRETRAIN_SEQ_LEN =
      Setting.count(
              "pretrain_seq_len",
              128,
              8,
              ModelSpec.SCRATCH_POSITIONS,
              "a scratch base has " + ModelSpec.SCRATCH_POSITIONS + " positions")
          .help("tokens per pre-training sequence");
  public static final Setting<Double> PRETRAIN_LR =
      Setting.number("pretrain_lr", 3e-3, 0, 1, true).help("the pre-training's learning rate");
  public static final Setting<Long> SEED =
      Setting.seed("seed", 42L).help("initialisation and data order of the pre-training");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          HIDDEN_SIZE,
          INTERMEDIATE_SIZE,
          LAYERS,
          HEADS,
          KV_HEADS,
          HEAD_DIM,
          ROPE_THETA,
          RMS_NORM_EPS,
          PRETRAIN_STEPS,
          PRETRAIN_BATCH,
          PRETRAIN_SEQ_LEN,
          PRETRAIN_LR,
          SEED);

  public ScratchSpec {
    Check c = new Check();
    HIDDEN_SIZE.check(c, hiddenSize);
    INTERMEDIATE_SIZE.check(c, intermediateSize);
    LAYERS.check(c, layers);
    HEADS.check(c, heads);
    KV_HEADS.check(c, kvHeads);
    HEAD_DIM.check(c, headDim);
    if (c.ok("heads") && c.ok("kv_heads") && heads % kvHeads != 0) {
      c.fail("kv_heads", "must divide heads (" + heads + "), found " + kvHeads);
    }
    if (c.ok("head_dim") && headDim % 2 != 0) {
      c.fail("head_dim", "must be even for rotary embeddings");
    }
    ROPE_THETA.check(c, ropeTheta);
    RMS_NORM_EPS.check(c, rmsNormEps);
    PRETRAIN_STEPS.check(c, pretrainSteps);
    PRETRAIN_BATCH.check(c, pretrainBatch);
    PRETRAIN_SEQ_LEN.check(c, pretrainSeqLen);
    PRETRAIN_LR.check(c, pretrainLr).done();
  }

  static ScratchSpec read(Section s) {
    int hidden = HIDDEN_SIZE.read(s);
    int heads = HEADS.read(s);
    return new ScratchSpec(
        hidden,
        INTERMEDIATE_SIZE.read(s),
        LAYERS.read(s),
        heads,
        KV_HEADS.read(s),
        HEAD_DIM.read(s, Math.max(2, hidden / Math.max(1, heads))),
        ROPE_THETA.read(s),
        RMS_NORM_EPS.read(s),
        PRETRAIN_STEPS.read(s),
        PRETRAIN_BATCH.read(s),
        PRETRAIN_SEQ_LEN.read(s),
        PRETRAIN_LR.read(s),
        SEED.read(s));
  }
}
