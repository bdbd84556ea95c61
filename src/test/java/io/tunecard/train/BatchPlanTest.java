package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The data order and step plan against the hf worker's (batching.plan_epoch, train.Plan). Expected
 * values were printed by CPython 3.11 running the worker's functions on the same lengths.
 */
class BatchPlanTest {
  static List<Integer> shuffled(long seed) {
    List<Integer> x = new ArrayList<>(IntStream.range(0, 20).boxed().toList());
    new PyRandom(seed).shuffle(x);
    return x;
  }

  @Test
  void pythonsRandomShuffleIsReproducedExactly() {
    // random.Random(seed).shuffle(list(range(20)))
    assertThat(shuffled(0))
        .containsExactly(10, 18, 16, 14, 0, 17, 11, 2, 3, 9, 5, 7, 4, 19, 6, 15, 8, 1, 13, 12);
    assertThat(shuffled(42 * 1_000_003L))
        .containsExactly(17, 4, 5, 14, 15, 12, 3, 1, 0, 7, 9, 2, 10, 19, 8, 6, 16, 13, 11, 18);
    assertThat(shuffled(7))
        .containsExactly(17, 15, 11, 18, 7, 6, 19, 3, 14, 0, 9, 5, 16, 8, 13, 2, 1, 12, 4, 10);
    assertThat(shuffled((1L << 40) + 5)) // a seed of two 32-bit words
        .containsExactly(9, 7, 17, 13, 4, 18, 5, 6, 10, 11, 3, 14, 12, 15, 2, 1, 0, 8, 19, 16);
    PyRandom r = PyRandom.forEpoch(42, 0);
    assertThat(new long[] {r.nextUint32(), r.nextUint32(), r.nextUint32()})
        .containsExactly(3081879207L, 4248670129L, 3982991542L);
  }

  static final int[] LENGTHS = IntStream.range(0, 130).map(i -> (i * 37) % 23 + 5).toArray();

  @Test
  void lengthGroupedMicroBatchesMatchTheHfWorker() {
    List<int[]> mbs = BatchPlan.lengthGrouped(LENGTHS, 2, 42, 1);
    assertThat(mbs).hasSize(65);
    assertThat(mbs.subList(0, 6).stream().map(Arrays::toString))
        .containsExactly("[41, 18]", "[87, 110]", "[64, 36]", "[13, 128]", "[82, 77]", "[31, 123]");
    assertThat(mbs.subList(50, 53).stream().map(Arrays::toString))
        .containsExactly("[105, 59]", "[8, 118]", "[49, 95]");
    assertThat(mbs.subList(63, 65).stream().map(Arrays::toString))
        .containsExactly("[5, 28]", "[51, 23]");
  }

  @Test
  void stepsFollowTheHfWorkersPlanIncludingAFractionalEpoch() {
    BatchPlan plan = BatchPlan.of(LENGTHS, 4, 3, 1.5, null, 42);
    // 33 micro-batches of 4 rows, 3 per step: 11 steps per epoch, then ceil(0.5 * 11) = 6.
    assertThat(plan.totalSteps()).isEqualTo(17);
    assertThat(plan.step(10)).isEqualTo(new BatchPlan.Step(0, 30, 33, true, 1.0, 30));
    assertThat(plan.step(11)).isEqualTo(new BatchPlan.Step(1, 0, 3, false, 1.0 + 1 / 11.0, 33));
    assertThat(plan.step(16)).isEqualTo(new BatchPlan.Step(1, 15, 18, false, 1.0 + 6 / 11.0, 48));
    assertThat(BatchPlan.of(LENGTHS, 4, 3, 1.5, 5, 42).totalSteps()).isEqualTo(5);
  }

  @Test
  void microBatchesAreRightPaddedWithLabelsOnlyOnAnswerIds() {
    List<Example> ex =
        List.of(
            new Example(new int[] {1, 3, 10, 4, 20, 21, 2}, 4),
            new Example(new int[] {1, 3, 11, 4, 22}, 4));
    var b = MicroBatches.collate(ex, new int[] {0, 1}, 5);
    assertThat(b.inputIds()[1]).containsExactly(1, 3, 11, 4, 22, 5, 5);
    assertThat(b.attentionMask()[1]).containsExactly(1, 1, 1, 1, 1, 0, 0);
    assertThat(b.labels()[0]).containsExactly(-100, -100, -100, -100, 20, 21, 2);
    assertThat(b.labels()[1]).containsExactly(-100, -100, -100, -100, 22, -100, -100);
    assertThat(b.supervisedTokens()).isEqualTo(4); // 3 + 1 answer ids
  }
}
