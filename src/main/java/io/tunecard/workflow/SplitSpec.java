package io.tunecard.workflow;

import java.util.List;

/**
 * Train/validation/test fractions. The split of a row depends only on {@code seed} and the row's
 * stable id (or its focus, with {@code group_by: focus}), so reruns are byte-identical and adding
 * rows does not move the others.
 */
public record SplitSpec(double train, double validation, double test, long seed, String groupBy) {

  public static final List<String> GROUP_BY = List.of("none", "focus");

  public SplitSpec {
    Check c =
        new Check()
            .range("train", train, 0, 1, true)
            .range("validation", validation, 0, 1, false)
            .range("test", test, 0, 1, false);
    double sum = train + validation + test;
    if (c.ok("train") && c.ok("validation") && c.ok("test") && Math.abs(sum - 1.0) > 1e-9) {
      c.fail("train", "train + validation + test must be 1, found " + Check.fmt(sum));
    }
    c.oneOf("group_by", groupBy, GROUP_BY).done();
  }

  static SplitSpec read(Section s) {
    return new SplitSpec(
        s.number("train", 0.70),
        s.number("validation", 0.15),
        s.number("test", 0.15),
        s.longValue("seed", 42L),
        s.oneOf("group_by", "none", GROUP_BY));
  }
}
