package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunecard.files.BadInputException;
import java.nio.charset.StandardCharsets;

/**
 * The parent reads whatever a worker child prints: any stdout line is either a valid event or
 * refused with a {@link BadInputException} ({@link WorkerEvent.ProtocolException}), never another
 * exception. Seeds: {@code WorkerEventFuzzTestInputs/}, one event per file.
 */
class WorkerEventFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void anyStdoutLineIsAnEventOrRefused(byte[] input) {
    String line = new String(input, StandardCharsets.UTF_8);
    try {
      WorkerEvent e = WorkerEvent.parse(line);
      assertThat(e.name()).isEqualTo(e.json().get("event").asText());
      e.text("message");
      e.number("loss");
      e.integer("step");
    } catch (BadInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
