package io.tunecard.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every optimizer step of a run, fixed up front from (example lengths, seed, batching), exactly as
 * the hf worker plans them, so both engines and every resumed run see the same micro-batches.
 *
 * <p>{@code length-grouped}: each epoch shuffles the example indices with Python's {@code
 * random.Random(seed * 1000003 + epoch)}, cuts them into mega-batches of {@code 50 × micro_batch},
 * sorts each by length (longest first, stable) and cuts micro-batches of {@code micro_batch}. A
 * step is {@code grad_accum} micro-batches; steps per epoch {@code ceil(micro-batches /
 * grad_accum)}; a fractional last epoch is cut at {@code max(1, ceil(fraction × its steps))};
 * {@code max_steps} caps the total.
 */
final class BatchPlan {
  static final int LENGTH_GROUP_FACTOR = 50;

  /**
   * One optimizer step.
   *
   * @param epoch 0-based epoch
   * @param from first micro-batch of the epoch's list (inclusive)
   * @param to last micro-batch (exclusive)
   * @param epochEnd whether this is the last step of a full epoch
   * @param epochProgress completed epochs plus the fraction of this one after the step
   * @param consumedBefore micro-batches consumed by all earlier steps
   */
  record Step(
      int epoch, int from, int to, boolean epochEnd, double epochProgress, long consumedBefore) {}

  private final List<List<int[]>> epochs;
  private final List<Step> steps;

  private BatchPlan(List<List<int[]>> epochs, List<Step> steps) {
    this.epochs = epochs;
    this.steps = steps;
  }

  static BatchPlan of(
      int[] lengths, int microBatch, int gradAccum, double epochs, Integer maxSteps, long seed) {
    List<List<int[]>> plans = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    long consumed = 0;
    for (int e = 0; e < Math.ceil(epochs); e++) {
      List<int[]> mbs = lengthGrouped(lengths, microBatch, seed, e);
      int full = (mbs.size() + gradAccum - 1) / gradAccum;
      int n = epochs >= e + 1 ? full : Math.max(1, (int) Math.ceil((epochs - e) * full));
      plans.add(mbs);
      for (int j = 0; j < n; j++) {
        int lo = j * gradAccum;
        int hi = Math.min((j + 1) * gradAccum, mbs.size());
        steps.add(new Step(e, lo, hi, j == full - 1, e + (j + 1) / (double) full, consumed));
        consumed += hi - lo;
      }
    }
    if (maxSteps != null && steps.size() > maxSteps) {
      steps = new ArrayList<>(steps.subList(0, maxSteps));
    }
    return new BatchPlan(plans, List.copyOf(steps));
  }

  /** The epoch's micro-batches, each an array of example indices. */
  static List<int[]> lengthGrouped(int[] lengths, int microBatch, long seed, int epoch) {
    List<Integer> order = new ArrayList<>(lengths.length);
    for (int i = 0; i < lengths.length; i++) {
      order.add(i);
    }
    PyRandom.forEpoch(seed, epoch).shuffle(order);
    int group = LENGTH_GROUP_FACTOR * microBatch;
    List<int[]> out = new ArrayList<>();
    for (int start = 0; start < order.size(); start += group) {
      List<Integer> chunk =
          new ArrayList<>(order.subList(start, Math.min(order.size(), start + group)));
      chunk.sort(Comparator.comparingInt(i -> -lengths[i])); // stable, as Python's sorted
      for (int j = 0; j < chunk.size(); j += microBatch) {
        out.add(
            chunk.subList(j, Math.min(chunk.size(), j + microBatch)).stream()
                .mapToInt(Integer::intValue)
                .toArray());
      }
    }
    return out;
  }

  int totalSteps() {
    return steps.size();
  }

  Step step(int index) {
    return steps.get(index);
  }

  /** The micro-batches of step {@code index} (0-based). */
  List<int[]> microBatches(int index) {
    Step s = steps.get(index);
    return epochs.get(s.epoch()).subList(s.from(), s.to());
  }
}
