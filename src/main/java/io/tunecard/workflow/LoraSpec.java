package io.tunecard.workflow;

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

  public static final Setting<Integer> R =
      Setting.count(
              "r",
              32,
              1,
              MAX_R,
              "the rank of an update cannot exceed the smaller side of the matrix it adapts"
                  + " (k_proj and v_proj of Mistral-7B are 4096 x 1024); a larger r adds"
                  + " parameters, not rank")
          .help(
              "rank (at most the scratch base's narrowest adapted projection; Mistral-7B's k_proj"
                  + " and v_proj are 4096 × 1024)");

  public static final Setting<Double> ALPHA =
      Setting.number("alpha", 64.0, 0, 1e6, true).help("scaling is alpha / r");

  /**
   * The largest dropout: at 1 every input would be dropped and the rest scaled by 1 / (1 - p), an
   * infinity. One bound for the workflow, the worker spec's schema and a PEFT adapter's {@code
   * lora_dropout} ({@code model.lora.LoraConfig}).
   */
  public static final double MAX_DROPOUT = 0.999;

  public static final Setting<Double> DROPOUT =
      Setting.number("dropout", 0.05, 0, MAX_DROPOUT, false)
          .help("dropout on the adapter's input, training only");

  public static final Setting<List<String>> TARGETS =
      Setting.anyOf("targets", PROJECTIONS, PROJECTIONS)
          .help("the projections that carry an adapter")
          .shown("all seven");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS = List.of(R, ALPHA, DROPOUT, TARGETS);

  public LoraSpec {
    targets = List.copyOf(targets);
    Check c = new Check();
    R.check(c, r);
    ALPHA.check(c, alpha);
    DROPOUT.check(c, dropout);
    TARGETS.check(c, targets).done();
  }

  public double scaling() {
    return alpha / r;
  }

  static LoraSpec read(Section s) {
    return new LoraSpec(R.read(s), ALPHA.read(s), DROPOUT.read(s), TARGETS.read(s));
  }
}
