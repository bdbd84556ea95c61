package io.tunecard.workflow;

import java.util.List;

/**
 * The base model.
 *
 * @param base a Hugging Face model directory, a Hub id (resolved in the local Hugging Face cache,
 *     never downloaded by the JVM engine), or {@code scratch} to train a tiny base in the run
 * @param quantization {@code none} or {@code nf4} (4-bit NormalFloat base weights)
 * @param nf4Backend who quantizes an NF4 base in the hf engine: {@code builtin} (the worker's own
 *     NF4, equal to the djl engine's) or {@code bitsandbytes}; the djl engine is always builtin
 * @param dtype compute dtype; {@code auto} is fp32 on CPU and fp16 (djl) or bf16 (hf) on GPU
 * @param scratch size and pre-training of the tiny base, required when {@code base} is scratch
 * @param tokenizer the byte-level BPE tokenizer trained on the train split, only with scratch
 */
public record ModelSpec(
    String base,
    String quantization,
    String nf4Backend,
    int maxSeqLen,
    String chatTemplate,
    String dtype,
    ScratchSpec scratch,
    TokenizerSpec tokenizer) {

  public static final String SCRATCH = "scratch";
  public static final List<String> QUANTIZATION = List.of("none", "nf4");
  public static final List<String> NF4_BACKENDS = List.of("builtin", "bitsandbytes");
  public static final List<String> CHAT_TEMPLATES = List.of("mistral-inst");
  public static final List<String> DTYPES = List.of("auto", "fp32", "fp16", "bf16");

  /**
   * Positions of the longest-context models tunecard runs (131,072); a model's own limit, its
   * config.json's max_position_embeddings, is checked when its files are present.
   */
  public static final int MAX_POSITIONS = 1 << 17;

  public static final String POSITIONS_WHY =
      "the prompt and the answer must fit in the model's positions, and no supported model has"
          + " more than 131072 (a base's own max_position_embeddings is checked when its files are"
          + " present)";

  /** The positions of the tiny base trained for {@code base: scratch}. */
  public static final int SCRATCH_POSITIONS = 4096;

  public ModelSpec {
    Check c =
        new Check()
            .present("base", base)
            .oneOf("quantization", quantization, QUANTIZATION)
            .oneOf("nf4_backend", nf4Backend, NF4_BACKENDS)
            .between("max_seq_len", maxSeqLen, 8, MAX_POSITIONS, POSITIONS_WHY)
            .oneOf("chat_template", chatTemplate, CHAT_TEMPLATES)
            .oneOf("dtype", dtype, DTYPES);
    boolean fromScratch = SCRATCH.equals(base);
    if (fromScratch && (scratch == null || tokenizer == null)) {
      c.fail("scratch", "base 'scratch' needs both model.scratch and model.tokenizer");
    }
    if (!fromScratch && (scratch != null || tokenizer != null)) {
      c.fail("scratch", "model.scratch and model.tokenizer are only allowed with base 'scratch'");
    }
    if (fromScratch && c.ok("max_seq_len")) {
      c.between(
          "max_seq_len",
          maxSeqLen,
          8,
          SCRATCH_POSITIONS,
          "a scratch base has " + SCRATCH_POSITIONS + " positions");
    }
    c.done();
  }

  public boolean isScratch() {
    return SCRATCH.equals(base);
  }

  static ModelSpec read(Section s) {
    return new ModelSpec(
        s.requiredString("base"),
        s.oneOf("quantization", "none", QUANTIZATION),
        s.oneOf("nf4_backend", "builtin", NF4_BACKENDS),
        s.integer("max_seq_len", 512),
        s.oneOf("chat_template", "mistral-inst", CHAT_TEMPLATES),
        s.oneOf("dtype", "auto", DTYPES),
        s.optional("scratch", ScratchSpec::read),
        s.optional("tokenizer", TokenizerSpec::read));
  }
}
