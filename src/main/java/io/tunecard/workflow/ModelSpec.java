package io.tunecard.workflow;

import java.util.List;

/**
 * The base model: each key's default, bounds and meaning are declared once, in the {@link Setting}
 * constants below; {@code scratch} and {@code tokenizer} are the tiny base trained in the run.
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

  public static final Setting<String> BASE =
      Setting.text("base", null)
          .help(
              "required: a Hugging Face model directory, a Hub id (`org/name`, or `org/name@revision` to pin"
                  + " a branch, tag or commit) taken from the local Hugging Face cache and pulled"
                  + " into it first when missing (not with `--offline` or `HF_HUB_OFFLINE=1`;"
                  + " [hub.md](hub.md)), or `scratch` (train a tiny base in the run)")
          .shown("—");
  public static final Setting<String> QUANTIZATION_KEY =
      Setting.choice("quantization", "none", QUANTIZATION)
          .help(
              "`nf4`: 4-bit NormalFloat base weights, blocks of 64, absmax values double-quantized");
  public static final Setting<String> NF4_BACKEND =
      Setting.choice("nf4_backend", "builtin", NF4_BACKENDS)
          .help(
              "with `nf4`, who quantizes in the `hf` engine: `builtin` (tunecard's own NF4, equal"
                  + " to the `djl` engine's, any device, no extra package; quantized once and"
                  + " cached, see [nf4.md](nf4.md)) or `bitsandbytes` (needs that package and a"
                  + " CUDA GPU; `hf` engines only)");
  public static final Setting<Integer> MAX_SEQ_LEN =
      Setting.count("max_seq_len", 512, 8, MAX_POSITIONS, POSITIONS_WHY)
          .help(
              "prompt + answer tokens; longer rows are truncated and counted (at most the model's"
                  + " positions: 4096 for scratch)");
  public static final Setting<String> CHAT_TEMPLATE =
      Setting.choice("chat_template", "mistral-inst", CHAT_TEMPLATES)
          .help(
              "the template for a base without a `chat_template` of its own (tokenizer_config.json"
                  + " or chat_template.jinja): tunecard's copy of Mistral-7B-Instruct-v0.3's,"
                  + " `<s>[INST] question[/INST] answer</s>`. A base with its own template always"
                  + " uses it; a scratch base gets this one written into its"
                  + " tokenizer_config.json");
  public static final Setting<String> DTYPE =
      Setting.choice("dtype", "auto", DTYPES)
          .help("compute dtype; `auto`: fp32 on CPU, on GPU fp16 (djl) or bf16 (hf)");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(BASE, QUANTIZATION_KEY, NF4_BACKEND, MAX_SEQ_LEN, CHAT_TEMPLATE, DTYPE);

  public ModelSpec {
    Check c = new Check().present("base", base);
    QUANTIZATION_KEY.check(c, quantization);
    NF4_BACKEND.check(c, nf4Backend);
    MAX_SEQ_LEN.check(c, maxSeqLen);
    CHAT_TEMPLATE.check(c, chatTemplate);
    DTYPE.check(c, dtype);
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
        BASE.required(s),
        QUANTIZATION_KEY.read(s),
        NF4_BACKEND.read(s),
        MAX_SEQ_LEN.read(s),
        CHAT_TEMPLATE.read(s),
        DTYPE.read(s),
        s.optional("scratch", ScratchSpec::read),
        s.optional("tokenizer", TokenizerSpec::read));
  }
}
