package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/** LoRA adapters: {@code W x + (alpha / r) B A dropout(x)} on each target projection. */
public record LoraSpec(int r, double alpha, double dropout, List<String> targets) {

  public static final List<String> PROJECTIONS =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /**
   * The rank of an update cannot exceed the smaller side of the matrix it adapts; Mistral-7B's
   * k_proj and v_proj are 4096 x 1024.
   */
  public static final int MAX_R = 1024;

  public LoraSpec {
    targets = List.copyOf(targets);
    Check c =
        new Check()
            .between(
                "r",
                r,
                1,
                MAX_R,
                "the rank of an update cannot exceed the smaller side of the matrix it adapts"
                    + " (k_proj and v_proj of Mistral-7B are 4096 x 1024); a larger r adds"
                    + " parameters, not rank")
            .range("alpha", alpha, 0, 1e6, true)
            .range("dropout", dropout, 0, 0.999, false);
    if (targets.isEmpty()) {
      c.fail("targets", "expected at least one of " + PROJECTIONS);
    }
    if (new HashSet<>(targets).size() != targets.size()) {
      c.fail("targets", "duplicate entries in " + targets);
    }
    targets.forEach(t -> c.oneOf("targets", t, PROJECTIONS));
    c.done();
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
