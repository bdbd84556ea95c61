package io.tunecard.workflow;

import java.util.List;

/**
 * Train/validation/test fractions. The split of a row depends only on {@code seed} and the row's
 * stable id (or its focus, with {@code group_by: focus}), so reruns are byte-identical and adding
 * rows does not move the others.
 */
public record SplitSpec(double train, double validation, double test, long seed, String groupBy) {

  public static final List<String> GROUP_BY = List.of("none", "focus");

  public static final Setting<Double> TRAIN =
      Setting.number("train", 0.70, 0, 1, true).help("share of the rows trained on");
  public static final Setting<Double> VALIDATION =
      Setting.number("validation", 0.15, 0, 1, false)
          .help("share for the validation loss during training");
  public static final Setting<Double> TEST =
      Setting.number("test", 0.15, 0, 1, false)
          .help("share held out for evaluation; the three sum to 1");
  public static final Setting<Long> SEED =
      Setting.seed("seed", 42L)
          .help("the split follows from this seed and each row's id (or focus) alone");
  public static final Setting<String> GROUP_BY_KEY =
      Setting.choice("group_by", "none", GROUP_BY)
          .help(
              "`none` (a plain random split) or `focus` (every question about one focus in one"
                  + " split)");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(TRAIN, VALIDATION, TEST, SEED, GROUP_BY_KEY);

  public SplitSpec {
    Check c = new Check();
    TRAIN.check(c, train);
    VALIDATION.check(c, validation);
    TEST.check(c, test);
    double sum = train + validation + test;
    if (c.ok("train") && c.ok("validation") && c.ok("test") && Math.abs(sum - 1.0) > 1e-9) {
      c.fail("train", "train + validation + test must be 1, found " + Check.fmt(sum));
    }
    GROUP_BY_KEY.check(c, groupBy).done();
  }

  static SplitSpec read(Section s) {
    return new SplitSpec(
        TRAIN.read(s), VALIDATION.read(s), TEST.read(s), SEED.read(s), GROUP_BY_KEY.read(s));
  }
}
