package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.worker.ProgressDisplay.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final AtomicLong clock = new AtomicLong();

  private ConsoleProgress display(boolean terminal) {
    return new ConsoleProgress(
        new PrintStream(bytes, true, StandardCharsets.UTF_8),
        terminal,
        Duration.ofSeconds(2),
        clock::get);
  }

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static Progress at(long done) {
    return new Progress("train", done, 100, null, 0.9164, 5230.0);
  }

  @Test
  void plainOutputIsThrottledAndEndsWithTheFinalLine() {
    ConsoleProgress d = display(false);
    for (int done = 10; done <= 100; done += 10) {
      d.progress(at(done));
      clock.addAndGet(Duration.ofMillis(500).toNanos());
    }
    // updates at 0, 0.5, ..., 4.5 s: printed at 0, 2 and 4 s, plus the last one
    assertThat(text().lines())
        .containsExactly(
            "train  10/100  10.0%  loss 0.9164  5230 tok/s  ETA --",
            "train  50/100  50.0%  loss 0.9164  5230 tok/s  ETA 0:03",
            "train  90/100  90.0%  loss 0.9164  5230 tok/s  ETA 0:01",
            "train  100/100  100.0%  loss 0.9164  5230 tok/s  ETA 0:00");
  }

  @Test
  void theEtaCountsOnlyWorkDoneInThisChild() {
    ConsoleProgress d = display(false);
    d.progress(at(60)); // resumed at step 60
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    d.progress(at(70)); // 10 steps in 10 s: 30 left, 30 s
    assertThat(text().lines()).last().asString().endsWith("ETA 0:30");
  }

  @Test
  void aTerminalGetsABarRedrawnInPlaceWithMessagesAbove() {
    ConsoleProgress d = display(true);
    d.progress(at(50));
    d.message("checkpoint step-50 saved");
    d.finish();
    assertThat(text())
        .isEqualTo(
            "\rtrain  [############............]  50/100  50.0%  loss 0.9164  5230 tok/s  ETA --\033[K"
                + "\r\033[Kcheckpoint step-50 saved\n"
                + "train  [############............]  50/100  50.0%  loss 0.9164  5230 tok/s  ETA --\033[K"
                + "\n");
  }

  @Test
  void durationsReadAsClockTimes() {
    assertThat(ConsoleProgress.duration(3723)).isEqualTo("1:02:03");
    assertThat(ConsoleProgress.duration(65)).isEqualTo("1:05");
    assertThat(ConsoleProgress.duration(Double.NaN)).isEqualTo("--");
  }
}
