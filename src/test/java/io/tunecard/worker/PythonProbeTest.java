package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The worker's doctor asked from Java, as the preflight and {@code tunecard doctor} ask it. */
class PythonProbeTest {
  static boolean python3() {
    try {
      Process p = new ProcessBuilder("python3", "--version").start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  @Test
  void theRequirementsAreTheWorkerPackagesOwn() {
    assumeThat(python3()).as("python3 on the PATH").isTrue();
    PythonProbe.Outcome o = PythonProbe.ask("python3", false);
    assertThat(o.failure()).isNull();
    PythonReport r = o.report();
    assertThat(r.required())
        .extracting(PythonReport.Requirement::name)
        .containsExactly(
            "torch",
            "transformers",
            "peft",
            "safetensors",
            "tokenizers",
            "packaging",
            "jsonschema");
    assertThat(r.requirement("transformers").orElseThrow().required()).isEqualTo(">=5.17,<5.18");
    assertThat(r.requirement("bitsandbytes").orElseThrow().extra()).isEqualTo("nf4");
    assertThat(r.worker().requirementsFrom()).endsWith("src/main/python/pyproject.toml");
    assertThat(r.torch()).isNull(); // --packages imports nothing heavy
    for (PythonReport.Requirement p : r.required()) {
      assertThat(r.missing().contains(p.name())).isEqualTo(p.installed() == null);
    }
  }

  @Test
  void anInterpreterThatIsNotThereIsAFailureNotAnException() {
    PythonProbe.Outcome o = PythonProbe.ask("/nonexistent/python3", false);
    assertThat(o.ran()).isFalse();
    assertThat(o.failure()).startsWith("cannot run /nonexistent/python3");
  }

  @Test
  void aReportOfAnotherFormatIsRefused() {
    assertThatThrownBy(() -> PythonReport.parse("{\"doctor\": 2}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected report format 1, found 2");
    assertThatThrownBy(() -> PythonReport.parse("Traceback (most recent call last):"))
        .hasMessageContaining("not a tunecard_worker doctor report");
  }
}
