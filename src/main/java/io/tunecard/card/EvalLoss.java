package io.tunecard.card;

import java.util.List;

/**
 * Eval loss of the base and of every checkpoint on one split ({@code eval/eval_loss.json}).
 *
 * @param rows rows of the split; null when not recorded
 * @param batchSize the eval batch size {@code eval_loss} was computed with (transformers' Trainer
 *     definition); null in files written before both definitions were reported
 * @param base the base model's loss; null when not measured
 * @param best the name of the best checkpoint, e.g. {@code step-150}
 */
public record EvalLoss(
    String split,
    Integer rows,
    Integer batchSize,
    Point base,
    List<Point> checkpoints,
    String best) {

  public EvalLoss {
    checkpoints = List.copyOf(checkpoints);
  }

  /**
   * One measured loss.
   *
   * @param loss {@code eval_loss} (Trainer's definition when {@code batchSize} is known)
   * @param lossTokenWeighted {@code eval_loss_token_weighted}; null when not recorded
   * @param perplexity as recorded (the checks compare it with exp(loss)); null when absent
   */
  public record Point(
      String checkpoint,
      Long step,
      double loss,
      Double lossTokenWeighted,
      Double perplexity,
      Long tokens) {
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
