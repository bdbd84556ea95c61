package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/** LoRA adapters: {@code W x + (alpha / r) B A dropout(x)} on each target projection. */
public record LoraSpec(int r, double alpha, double dropout, List<String> targets) {

  public static final List<String> PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  public LoraSpec {
    Check.atLeast("r", r, 1);
    Check.range("alpha", alpha, 0, Double.MAX_VALUE, true);
    Check.range("dropout", dropout, 0, 0.999, false);
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: expected at least one of " + PROJECTIONS);
    }
    if (new HashSet<>(targets).size() != targets.size()) {
      throw new IllegalArgumentException("targets: duplicate entries in " + targets);
    }
    targets.forEach(t -> Check.oneOf("targets", t, PROJECTIONS));
  }

  public double scaling() {
    return alpha / r;
  }

  static LoraSpec read(Section s) {
    return new LoraSpec(
        s.integer("r", 32),
        s.number("alpha", 64.0),
        s.number("dropout", 0.05),
        s.strings("targets", PROJECTIONS, PROJECTIONS));
  }
}
