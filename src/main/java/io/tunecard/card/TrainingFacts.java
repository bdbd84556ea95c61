package io.tunecard.card;

import java.util.ArrayList;
import java.util.List;

/**
 * The fine-tune's hyper-parameters. Every field is null when the source did not record it.
 *
 * @param quantization how the base weights were held, e.g. {@code nf4}
 * @param loraTargets projections that carry an adapter (empty when not recorded)
 * @param effectiveBatchDerived true when the effective batch was derived, not recorded
 * @param evalEvery {@code epoch} or a number of steps
 * @param evalLimit validation rows the evaluations during training score ({@code
 *     train.eval_limit}); null when all of them (or not recorded)
 */
public record TrainingFacts(
    String engine,
    String device,
    String quantization,
    Integer loraR,
    Double loraAlpha,
    Double loraDropout,
    List<String> loraTargets,
    Double epochs,
    Long stepsPerEpoch,
    Long totalSteps,
    Integer microBatch,
    Integer gradAccum,
    Integer effectiveBatch,
    boolean effectiveBatchDerived,
    Double learningRate,
    String schedule,
    Double warmupRatio,
    Double maxGradNorm,
    Integer maxSeqLen,
    Integer logEvery,
    String evalEvery,
    Long seed,
    Integer evalLimit) {

  public TrainingFacts {
    loraTargets = List.copyOf(loraTargets);
    if (loraR != null && loraR < 1) {
      throw new IllegalArgumentException("loraR: expected >= 1, found " + loraR);
    }
    if (learningRate != null && !(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate: expected > 0, found " + learningRate);
    }
  }

  /** One hyper-parameter: its message key and value (a Number, String or List). */
  public record Param(String key, Object value, boolean derived) {}

  /** The recorded hyper-parameters in the card's order; absent ones are left out. */
  public List<Param> parameters() {
    List<Param> out = new ArrayList<>();
    add(out, "engine", engine, false);
    add(out, "device", device, false);
    add(out, "quantization", quantization, false);
    add(out, "lora_r", loraR, false);
    add(out, "lora_alpha", loraAlpha, false);
    if (loraR != null && loraAlpha != null) {
      add(out, "lora_scaling", loraAlpha / loraR, true);
    }
    add(out, "lora_dropout", loraDropout, false);
    add(out, "lora_targets", loraTargets.isEmpty() ? null : loraTargets, false);
    add(out, "epochs", epochs, false);
    add(out, "steps_per_epoch", stepsPerEpoch, false);
    add(out, "total_steps", totalSteps, false);
    add(out, "micro_batch", microBatch, false);
    add(out, "grad_accum", gradAccum, false);
    add(out, "effective_batch", effectiveBatch, effectiveBatchDerived);
    add(out, "learning_rate", learningRate, false);
    add(out, "schedule", schedule, false);
    add(out, "warmup_ratio", warmupRatio, false);
    add(out, "max_grad_norm", maxGradNorm, false);
    add(out, "max_seq_len", maxSeqLen, false);
    add(out, "log_every", logEvery, false);
    add(out, "eval_every", evalEvery, false);
    add(out, "seed", seed, false);
    return out;
  }

  private static void add(List<Param> out, String key, Object value, boolean derived) {
    if (value != null) {
      out.add(new Param(key, value, derived));
    }
  }
}
