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

  public ModelSpec {
    Check.present("base", base);
    Check.oneOf("quantization", quantization, QUANTIZATION);
    Check.oneOf("nf4_backend", nf4Backend, NF4_BACKENDS);
    Check.atLeast("max_seq_len", maxSeqLen, 8);
    Check.oneOf("chat_template", chatTemplate, CHAT_TEMPLATES);
    Check.oneOf("dtype", dtype, DTYPES);
    boolean fromScratch = SCRATCH.equals(base);
    if (fromScratch && (scratch == null || tokenizer == null)) {
      throw new IllegalArgumentException(
          "scratch: base 'scratch' needs both model.scratch and model.tokenizer");
    }
    if (!fromScratch && (scratch != null || tokenizer != null)) {
      throw new IllegalArgumentException(
          "scratch: model.scratch and model.tokenizer are only allowed with base 'scratch'");
    }
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
