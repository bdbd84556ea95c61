package io.tunecard.workflow;

/**
 * One condition that must hold before a publish. {@code metric} is {@code eval_loss}, {@code
 * perplexity}, or a generation metric (then {@code strategy} names the strategy, default the first
 * one); {@code min}/{@code max} are inclusive bounds, and {@code beat_published} requires an
 * improvement over the value in the last published card's {@code model-index}.
 */
public record GateRule(
    String metric, String strategy, Double min, Double max, boolean beatPublished) {

  public GateRule {
    Check c = new Check().present("metric", metric);
    if (min == null && max == null && !beatPublished) {
      c.fail("metric", "a gate rule needs at least one of min, max, beat_published");
    }
    c.done();
  }

  static GateRule read(Section s) {
    return new GateRule(
        s.requiredString("metric"),
        s.string("strategy", null),
        s.number("min", null),
        s.number("max", null),
        s.bool("beat_published", false));
  }
}
