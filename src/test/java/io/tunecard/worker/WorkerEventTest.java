package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.Jsonl;
import io.tunecard.worker.EventWriter.ErrorKind;
import io.tunecard.worker.EventWriter.EvalLossResult;
import io.tunecard.worker.EventWriter.StepMetrics;
import io.tunecard.worker.WorkerEvent.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both ends of the event stream: what EventWriter writes, WorkerEvent reads back. */
class WorkerEventTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final EventWriter writer = new EventWriter(out);

  private List<WorkerEvent> written() {
    return Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n"))
        .map(WorkerEvent::parse)
        .toList();
  }

  @Test
  void everyEventTheWriterEmitsIsOneValidLine() {
    writer.started("djl", "cpu", 20L, null);
    writer.progress("train", 3, 20, null, 1.25, 900.0);
    writer.metrics(new StepMetrics(4, 0.4, 1.2, 2e-4, 0.5, 1000.0, null));
    writer.metrics(StepMetrics.eval(5, 0.5, 1.1));
    writer.checkpoint(5, Path.of("/runs/x/train/checkpoints/step-5"), 1.1);
    writer.evalLoss(
        List.of(new EvalLossResult(null, 2.9, 51234), new EvalLossResult("/c/step-5", 2.5, 51234)));
    writer.log("warn", "tokenizer has no pad token");
    writer.error(ErrorKind.OUT_OF_MEMORY, "CUDA out of memory");
    writer.done(20L, 0.9, "step-5", List.of("/runs/x/train"));
    List<WorkerEvent> events = written();
    assertThat(events)
        .extracting(WorkerEvent::name)
        .containsExactly(
            "started",
            "progress",
            "metrics",
            "metrics",
            "checkpoint",
            "eval_loss",
            "log",
            "error",
            "done");
    assertThat(events.get(0).integer("pid")).isEqualTo(ProcessHandle.current().pid());
    assertThat(Jsonl.write(events.get(3).json()))
        .isEqualTo("{\"event\":\"metrics\",\"step\":5,\"epoch\":0.5,\"eval_loss\":1.1}");
    assertThat(writer.doneSent()).isTrue();
  }

  @Test
  void theWriterRefusesWhatTheSchemaOrJsonForbids() {
    assertThatThrownBy(() -> writer.log("loud", "x"))
        .hasMessageContaining("$.level: expected one of [debug, info, warn], found \"loud\"");
    assertThatThrownBy(() -> writer.progress("train", 1, 2, null, Double.NaN, null))
        .hasMessageContaining("loss is NaN");
    assertThat(out.size()).isZero();
  }

  @Test
  void nonJsonLinesAreProtocolErrorsQuotingTheLine() {
    assertThatThrownBy(() -> WorkerEvent.parse("Loading weights 50%"))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("not a JSON event: 'Loading weights 50%'");
    assertThatThrownBy(() -> WorkerEvent.parse("{\"event\":\"done\"} trailing"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("not a JSON event");
    assertThatThrownBy(() -> WorkerEvent.parse("[1,2]"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> WorkerEvent.parse("{\"event\":\"metrics\",\"loss\":NaN}"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void aNumberTooLargeForADoubleIsAProtocolErrorNotACrash() {
    // found by fuzzing: 5e1214 reads as Infinity, whose bounds check threw NumberFormatException
    assertThatThrownBy(
            () ->
                WorkerEvent.parse(
                    "{\"event\":\"eval_loss\",\"results\":[{\"checkpoint\":null,"
                        + "\"loss\":5e1214,\"tokens\":10}]}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("expected a finite number");
  }

  @Test
  void aNumberTooLargeForADoubleWhereAnIntegerIsExpectedIsAProtocolErrorNotACrash() {
    // found by fuzzing: the "integer" type check asked whether Infinity is whole
    for (String pid : new String[] {"5e1214", "-5e1214", "1.5e999"}) {
      assertThatThrownBy(
              () ->
                  WorkerEvent.parse(
                      "{\"event\":\"started\",\"engine\":\"hf\",\"device\":\"cpu\",\"pid\":"
                          + pid
                          + "}"))
          .as(pid)
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("$.pid: expected a finite number");
    }
  }

  @Test
  void unknownOrMalformedEventsAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> WorkerEvent.parse("{\"event\":\"heartbeat\"}"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("$.event: expected one of [started, progress, metrics,")
        .hasMessageContaining("found \"heartbeat\"");
    assertThatThrownBy(
            () -> WorkerEvent.parse("{\"event\":\"metrics\",\"step\":\"7\",\"epoch\":1}"))
        .hasMessageContaining("$.step: expected an integer, found \"7\"");
    assertThatThrownBy(
            () -> WorkerEvent.parse("{\"event\":\"error\",\"kind\":\"oops\",\"message\":\"m\"}"))
        .hasMessageContaining(
            "$.kind: expected one of [bad_input, out_of_memory, missing_dependency, internal]");
  }
}
