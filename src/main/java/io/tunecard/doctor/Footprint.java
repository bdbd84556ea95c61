package io.tunecard.doctor;

import io.tunecard.model.MistralConfig;
import io.tunecard.workflow.LoraSpec;
import io.tunecard.workflow.ModelSpec;
import io.tunecard.workflow.Workflow;

/**
 * Sizes a run will need, counted from the base's shape: the LoRA adapter's parameters (exactly:
 * {@code r * (in + out)} per adapted projection), a checkpoint on disk (the adapter and AdamW's two
 * moments, all fp32, as both engines write them), and the base's weights on the GPU. Activations
 * are not counted, so the GPU figure is a floor.
 *
 * @param baseParams parameters of the base model
 * @param loraParams parameters of the LoRA adapter
 * @param linearParams the base's parameters in the decoder layers' projections (what NF4 packs)
 */
public record Footprint(long baseParams, long loraParams, long linearParams) {
  /** fp32 adapter + fp32 exp_avg + fp32 exp_avg_sq per LoRA parameter. */
  static final int CHECKPOINT_BYTES_PER_LORA_PARAM = 12;

  /** fp32 weight, gradient and the two AdamW moments of each LoRA parameter on the device. */
  static final int TRAINING_BYTES_PER_LORA_PARAM = 16;

  public Footprint {
    if (baseParams <= 0 || loraParams <= 0 || linearParams <= 0 || linearParams > baseParams) {
      throw new IllegalArgumentException(
          "params: expected 0 < linear <= base and lora > 0, found base "
              + baseParams
              + ", linear "
              + linearParams
              + ", lora "
              + loraParams);
    }
  }

  /** The shape the workflow trains on: its scratch settings, or the base's config.json. */
  public static Footprint of(MistralConfig c, LoraSpec lora) {
    long hidden = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    long layers = c.numHiddenLayers();
    long perLayerLinear = hidden * q + 2 * hidden * kv + q * hidden + 3 * hidden * inter;
    long linear = layers * perLayerLinear;
    long embeddings = (long) c.vocabSize() * hidden * (c.tieWordEmbeddings() ? 1 : 2);
    long norms = layers * 2 * hidden + hidden;
    long adapter = 0;
    for (String target : lora.targets()) {
      long[] io = shape(target, hidden, q, kv, inter);
      adapter += (long) lora.r() * (io[0] + io[1]);
    }
    return new Footprint(linear + embeddings + norms, layers * adapter, linear);
  }

  /** The tiny base of {@code model.base: scratch}, shaped as its settings say. */
  public static MistralConfig scratchConfig(ModelSpec m) {
    var s = m.scratch();
    // The special ids do not change any size; 0-2 stand in for them.
    return MistralConfig.mistral(
        m.tokenizer().vocabSize(),
        s.hiddenSize(),
        s.intermediateSize(),
        s.layers(),
        s.heads(),
        s.kvHeads(),
        s.headDim(),
        s.rmsNormEps(),
        s.ropeTheta(),
        m.maxSeqLen(),
        0,
        1,
        2);
  }

  /** (in, out) features of a projection. */
  private static long[] shape(String target, long hidden, long q, long kv, long inter) {
    return switch (target) {
      case "q_proj" -> new long[] {hidden, q};
      case "k_proj", "v_proj" -> new long[] {hidden, kv};
      case "o_proj" -> new long[] {q, hidden};
      case "gate_proj", "up_proj" -> new long[] {hidden, inter};
      case "down_proj" -> new long[] {inter, hidden};
      default -> throw new IllegalArgumentException("lora.targets: unknown projection " + target);
    };
  }

  /** One checkpoint directory's bytes (the small JSON files aside). */
  public long checkpointBytes() {
    return loraParams * CHECKPOINT_BYTES_PER_LORA_PARAM;
  }

  /**
   * Disk the training stage fills at most: {@code keep_last} checkpoints, the best one, and the one
   * being written; plus the base itself when the run trains it (fp32 safetensors).
   */
  public long trainingDiskBytes(Workflow w) {
    long checkpoints = (w.train().keepLast() + 2L) * checkpointBytes();
    return checkpoints + (w.model().isScratch() ? baseParams * 4 : 0);
  }

  /**
   * The GPU memory the base's weights and the LoRA training state take: projections at 4 bits plus
   * one bf16 scale per 64 weights under NF4, everything else in bf16; activations come on top.
   */
  public long gpuFloorBytes(String quantization) {
    long weights =
        "nf4".equals(quantization)
            ? linearParams / 2 + linearParams / 64 * 2 + (baseParams - linearParams) * 2
            : baseParams * 2;
    return weights + loraParams * TRAINING_BYTES_PER_LORA_PARAM;
  }

  /** For messages: {@code 7.2 GiB}, {@code 310 MiB}. */
  public static String bytes(long n) {
    double gib = n / (double) (1L << 30);
    return gib >= 1
        ? String.format(java.util.Locale.ROOT, "%.1f GiB", gib)
        : String.format(java.util.Locale.ROOT, "%.0f MiB", n / (double) (1L << 20));
  }
}
