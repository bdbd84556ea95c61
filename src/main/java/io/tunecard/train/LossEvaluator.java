package io.tunecard.train;

import ai.djl.ndarray.NDManager;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralModel;
import java.util.List;

/**
 * Evaluation loss as the hf worker computes it: the answer-token NLL summed over every example
 * (dropout off, no gradients), divided by the number of answer tokens. Examples are scored longest
 * first, {@code batch} at a time.
 */
final class LossEvaluator {
  /** Called after each scored batch. */
  interface Progress {
    void batchDone(int done, int total);
  }

  private LossEvaluator() {}

  static LossValue evaluate(
      MistralModel model,
      List<Example> examples,
      int batch,
      int padId,
      NDManager parent,
      Progress progress) {
    List<int[]> groups = MicroBatches.evalBatches(examples, batch);
    LossValue total = new LossValue(0, 0);
    for (int k = 0; k < groups.size(); k++) {
      try (NDManager m = parent.newSubManager()) {
        total = total.plus(model.loss(m, MicroBatches.collate(examples, groups.get(k), padId)));
      }
      progress.batchDone(k + 1, groups.size());
    }
    return total;
  }

  /**
   * Each example's summed answer-token NLL and token count, in the examples' order (scored longest
   * first, {@code batch} at a time), for {@link io.tunecard.model.EvalLosses}.
   */
  static List<LossValue> rows(
      MistralModel model,
      List<Example> examples,
      int batch,
      int padId,
      NDManager parent,
      Progress progress) {
    List<int[]> groups = MicroBatches.evalBatches(examples, batch);
    LossValue[] out = new LossValue[examples.size()];
    for (int k = 0; k < groups.size(); k++) {
      int[] rows = groups.get(k);
      try (NDManager m = parent.newSubManager()) {
        LossValue[] v = model.rowLosses(m, MicroBatches.collate(examples, rows, padId));
        for (int i = 0; i < rows.length; i++) {
          out[rows[i]] = v[i];
        }
      }
      progress.batchDone(k + 1, groups.size());
    }
    return java.util.Arrays.asList(out);
  }
}
