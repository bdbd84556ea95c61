package io.tunecard.model.lora;

import io.tunecard.model.Projection;
import io.tunecard.workflow.LoraSpec;
import java.util.EnumSet;
import java.util.Set;

/**
 * A LoRA adapter's shape: {@code W x + scaling * B A dropout(x)} on each target projection.
 *
 * @param r rank of A (r x in) and B (out x r)
 * @param alpha scaling numerator: {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA
 * @param dropout probability of dropping an input of the adapter in training
 * @param targets the projections that carry an adapter
 * @param useRslora rank-stabilised scaling, as PEFT's {@code use_rslora}
 * @param baseModelNameOrPath written into {@code adapter_config.json}; may be null
 */
public record LoraConfig(
    int r,
    double alpha,
    double dropout,
    Set<Projection> targets,
    boolean useRslora,
    String baseModelNameOrPath) {

  public LoraConfig {
    if (r < 1) {
      throw new IllegalArgumentException("r: expected >= 1, found " + r);
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("lora_alpha: expected > 0, found " + alpha);
    }
    if (!(dropout >= 0 && dropout <= LoraSpec.MAX_DROPOUT)) {
      // the workflow's bound on lora.dropout: one bound for what tunecard trains and loads
      throw new IllegalArgumentException(
          "lora_dropout: expected [0, " + LoraSpec.MAX_DROPOUT + "], found " + dropout);
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("target_modules: expected at least one projection");
    }
    targets = Set.copyOf(EnumSet.copyOf(targets));
  }

  public LoraConfig(int r, double alpha, double dropout, Set<Projection> targets) {
    this(r, alpha, dropout, targets, false, null);
  }

  public double scaling() {
    return useRslora ? alpha / Math.sqrt(r) : alpha / r;
  }

  public LoraConfig withBaseModel(String nameOrPath) {
    return new LoraConfig(r, alpha, dropout, targets, useRslora, nameOrPath);
  }
}
