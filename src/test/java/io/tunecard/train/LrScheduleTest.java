package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** transformers' get_*_schedule_with_warmup, step for step. */
class LrScheduleTest {
  @Test
  void warmUpStartsAtZeroThenCosineDecaysToZero() {
    LrSchedule s = LrSchedule.of("cosine", 1e-3, 0.05, 150); // ceil(7.5) = 8 warm-up steps
    assertThat(s.warmup()).isEqualTo(8);
    assertThat(s.at(0)).isZero();
    assertThat(s.at(4)).isCloseTo(0.5e-3, within(1e-15));
    assertThat(s.at(8)).isCloseTo(1e-3, within(1e-15));
    // progress (79 - 8) / 142 = 0.5: half the peak
    assertThat(s.at(79)).isCloseTo(0.5e-3, within(1e-15));
    assertThat(s.at(150)).isCloseTo(0, within(1e-18));
  }

  @Test
  void linearAndConstant() {
    assertThat(LrSchedule.of("linear", 1.0, 0.1, 20).at(11)).isCloseTo(0.5, within(1e-12));
    assertThat(LrSchedule.of("constant", 2.0, 0.1, 20).at(19)).isEqualTo(2.0);
    assertThat(LrSchedule.of("constant", 2.0, 0.0, 20).at(0)).isEqualTo(2.0);
  }
}
