package io.tunecard.card;

import java.util.List;

/**
 * Eval loss of the base and of every checkpoint on one split ({@code eval/eval_loss.json}).
 *
 * @param rows rows of the split; null when not recorded
 * @param base the base model's loss; null when not measured
 * @param best the name of the best checkpoint, e.g. {@code step-150}
 */
public record EvalLoss(
    String split, Integer rows, Point base, List<Point> checkpoints, String best) {

  public EvalLoss {
    checkpoints = List.copyOf(checkpoints);
  }

  /**
   * One measured loss.
   *
   * @param perplexity as recorded (the checks compare it with exp(loss)); null when absent
   */
  public record Point(String checkpoint, Long step, double loss, Double perplexity, Long tokens) {
    public Point {
      if (!Double.isFinite(loss)) {
        throw new IllegalArgumentException(checkpoint + ".loss: expected a finite number");
      }
    }
  }

  /** The best checkpoint's point, or null. */
  public Point bestPoint() {
    return checkpoints.stream().filter(p -> p.checkpoint().equals(best)).findFirst().orElse(null);
  }
}
