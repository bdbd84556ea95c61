package io.tunecard.model;

import java.util.List;

/**
 * The two eval-loss definitions, from each validation row's summed answer-token loss and token
 * count, rows in split order:
 *
 * <ul>
 *   <li>{@code eval_loss}, as transformers' {@code Trainer.evaluate} computes it: the rows cut into
 *       consecutive batches of {@code batchSize} (the eval batch size), each batch's mean loss over
 *       its answer tokens, then the mean over rows of their batch's mean (Trainer repeats each
 *       batch's loss once per row), which for equal batches is the mean of the batch means;
 *   <li>{@code eval_loss_token_weighted}: the loss summed over every answer token of every row,
 *       divided by the number of answer tokens.
 * </ul>
 *
 * Both depend only on the rows and the batch size, not on how the rows were batched for computing.
 *
 * @param trainer {@code eval_loss}
 * @param tokenWeighted {@code eval_loss_token_weighted}
 */
public record EvalLosses(
    double trainer, double tokenWeighted, long tokens, int rows, int batches, int batchSize) {

  public EvalLosses {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize: expected >= 1, found " + batchSize);
    }
  }

  /** Both definitions over {@code rows} (split order); every row must have a supervised token. */
  public static EvalLosses of(List<LossValue> rows, int batchSize) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("rows: expected at least one scored row");
    }
    double weighted = 0;
    double sum = 0;
    long tokens = 0;
    int batches = 0;
    for (int from = 0; from < rows.size(); from += batchSize) {
      List<LossValue> batch = rows.subList(from, Math.min(rows.size(), from + batchSize));
      double batchSum = 0;
      long batchTokens = 0;
      for (LossValue v : batch) {
        batchSum += v.sum();
        batchTokens += v.tokens();
      }
      if (batchTokens == 0) {
        throw new IllegalArgumentException(
            "rows " + from + ".." + (from + batch.size() - 1) + ": no answer token to score");
      }
      weighted += batch.size() * (batchSum / batchTokens);
      sum += batchSum;
      tokens += batchTokens;
      batches++;
    }
    return new EvalLosses(
        weighted / rows.size(), sum / tokens, tokens, rows.size(), batches, batchSize);
  }
}
