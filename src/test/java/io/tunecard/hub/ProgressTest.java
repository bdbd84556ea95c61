package io.tunecard.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  final AtomicLong now = new AtomicLong();
  final StringWriter out = new StringWriter();

  Progress progress(boolean interactive) {
    return new Progress(new PrintWriter(out, true), interactive, now::get, 1000);
  }

  @Test
  void eachFileAndTheTotalShowBytesRateAndTimeLeft() {
    Progress p = progress(false);
    p.begin("pull org/x", 2, 3_000_000, 1_000_000);
    Progress.Bar a = p.file("model-00001-of-00002.safetensors", 2_000_000, 0);
    now.addAndGet(2_000_000_000L); // 2 s
    a.add(1_000_000);
    String text = out.toString();
    assertThat(text).contains("pull org/x: 2 files to fetch, 4.0 MB (1.0 MB already downloaded)");
    // the file: 1 of 2 MB in 2 s, 500 kB/s, 2 s left; the total: 2 of 4 MB, 500 kB/s, 4 s left
    assertThat(text)
        .contains(
            "model-00001-of-00002.safetensors         1.0 MB / 2.0 MB  50%  500 kB/s  ETA 2.0 s")
        .contains(
            "total                                    2.0 MB / 4.0 MB  50%  500 kB/s  ETA 4.0 s");
    now.addAndGet(2_000_000_000L);
    a.add(1_000_000);
    a.done();
    assertThat(out.toString())
        .contains(
            "  model-00001-of-00002.safetensors  2.0 MB  verified, 2.0 MB in 4.0 s (500 kB/s)");
    p.finish("pull org/x");
    assertThat(out.toString()).contains("pull org/x: done, 2.0 MB fetched in 4.0 s (500 kB/s)");
  }

  @Test
  void onATerminalTheBlockIsRedrawnInPlace() {
    Progress p = progress(true);
    p.begin("pull org/x", 1, 100, 0);
    Progress.Bar a = p.file("config.json", 100, 0);
    now.addAndGet(1_500_000_000L);
    a.add(50);
    now.addAndGet(1_500_000_000L);
    a.add(25);
    assertThat(out.toString()).contains("\u001b[2F\u001b[J").contains("\u001b[K\n");
  }

  @Test
  void unitsAndDurationsReadAsTheHubShowsThem() {
    assertThat(Progress.bytes(999)).isEqualTo("999 B");
    assertThat(Progress.bytes(14_496_078_000L)).isEqualTo("14.5 GB");
    assertThat(Progress.bytes(123_400_000)).isEqualTo("123 MB");
    assertThat(Progress.duration(75)).isEqualTo("1 min 15 s");
    assertThat(Progress.duration(7260)).isEqualTo("2 h 01 min");
  }
}
