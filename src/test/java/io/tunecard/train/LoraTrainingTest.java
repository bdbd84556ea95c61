package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.Checkpoints;
import io.tunecard.worker.WorkerSpecs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train command in this JVM on a tiny run: determinism, exact resume, refusals. */
class LoraTrainingTest {
  @TempDir static Path shared;
  static RunDirectory run;
  static List<JsonNode> first;

  @BeforeAll
  static void trainOnce() throws IOException {
    run = TinyRun.withBase(shared.resolve("a"));
    first = train(run, 0);
  }

  static List<JsonNode> train(RunDirectory run, int expectedStatus, String... overrides)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = TinyRun.inProcess(WorkerSpecs.train(TinyRun.workflow(overrides), run), run, out);
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        events.add(Jsonl.MAPPER.readTree(line));
      }
    }
    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(expectedStatus);
    return events;
  }

  static List<JsonNode> named(List<JsonNode> events, String name) {
    return events.stream().filter(e -> e.path("event").asText().equals(name)).toList();
  }

  @Test
  void trainsLogsEvaluatesAndCheckpointsAsTheProtocolSays() {
    assertThat(first.get(0).path("event").asText()).isEqualTo("started");
    assertThat(first.get(0).path("total_steps").asInt()).isEqualTo(8);
    assertThat(first.get(first.size() - 1).path("event").asText()).isEqualTo("done");
    List<JsonNode> metrics = named(first, "metrics");
    List<Long> trainSteps =
        metrics.stream().filter(m -> m.has("loss")).map(m -> m.get("step").asLong()).toList();
    List<Long> evalSteps =
        metrics.stream().filter(m -> m.has("eval_loss")).map(m -> m.get("step").asLong()).toList();
    assertThat(trainSteps).containsExactly(2L, 4L, 6L, 8L);
    assertThat(evalSteps).containsExactly(0L, 4L, 8L); // the base model first, then every 4
    assertThat(named(first, "checkpoint").stream().map(c -> c.get("step").asLong()))
        .containsExactly(2L, 4L, 6L, 8L);
    assertThat(Checkpoints.isFinished(run.train())).isTrue();
    // The data statistics count truncation at max_seq_len 48.
    assertThat(named(first, "log").stream().map(l -> l.get("message").asText()))
        .anyMatch(m -> m.contains("\"truncated\":"))
        .anyMatch(m -> m.contains("were cut at model.max_seq_len"));
    // Fine-tuning lowers the validation loss of the tiny base on the same rows.
    double base = evalLoss(metrics, 0);
    double last = evalLoss(metrics, 8);
    assertThat(last).isLessThan(base);
  }

  static double evalLoss(List<JsonNode> metrics, long step) {
    return metrics.stream()
        .filter(m -> m.has("eval_loss") && m.get("step").asLong() == step)
        .findFirst()
        .orElseThrow()
        .get("eval_loss")
        .asDouble();
  }

  @Test
  void evalLossScoresTheBaseAndACheckpointAsTrainingDidOnTheSameRows() throws IOException {
    var spec =
        WorkerSpecs.evalLoss(
                TinyRun.workflow(), run, java.util.Arrays.asList(null, run.checkpoint(8)))
            .json();
    ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("data")).put("validation_limit", 6);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = TinyRun.inProcess(io.tunecard.worker.WorkerSpec.of(spec), run, out);
    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
    JsonNode doc = Jsonl.readTree(run.eval().resolve("eval_loss.json"));
    List<JsonNode> metrics = named(first, "metrics");
    // Other batch sizes pad differently: equal up to float rounding.
    assertThat(doc.path("base").path("loss").asDouble())
        .isCloseTo(evalLoss(metrics, 0), org.assertj.core.data.Offset.offset(1e-5));
    JsonNode ck = doc.path("checkpoints").get(0);
    assertThat(ck.path("checkpoint").asText()).isEqualTo("step-8");
    assertThat(ck.path("step").asLong()).isEqualTo(8);
    assertThat(ck.path("loss").asDouble())
        .isCloseTo(evalLoss(metrics, 8), org.assertj.core.data.Offset.offset(1e-5));
    assertThat(ck.path("perplexity").asDouble()).isEqualTo(Math.exp(ck.path("loss").asDouble()));
    assertThat(doc.path("best").asText()).isEqualTo("step-8");
  }

  @Test
  void theSameSeedGivesBitIdenticalLossesAndAdapters() throws IOException {
    RunDirectory other = TinyRun.withBase(shared.resolve("b"));
    assertThat(Files.readAllBytes(other.base().resolve("model.safetensors")))
        .as("pre-training is deterministic too")
        .isEqualTo(Files.readAllBytes(run.base().resolve("model.safetensors")));
    List<JsonNode> second = train(other, 0);
    assertThat(losses(second)).isEqualTo(losses(first));
    assertThat(Files.readAllBytes(other.checkpoint(8).resolve("adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(run.checkpoint(8).resolve("adapter_model.safetensors")));
  }

  static List<Double> losses(List<JsonNode> events) {
    List<Double> out = new ArrayList<>();
    for (JsonNode m : named(events, "metrics")) {
      out.add(m.has("loss") ? m.get("loss").asDouble() : m.get("eval_loss").asDouble());
    }
    out.add(named(events, "done").get(0).get("final_loss").asDouble());
    return out;
  }

  @Test
  void resumesFromTheLastCompleteCheckpointExactlyAndIgnoresIncompleteOnes() throws IOException {
    RunDirectory resumed = TinyRun.withBase(shared.resolve("c"));
    train(resumed, 0);
    byte[] adapter = Files.readAllBytes(resumed.checkpoint(8).resolve("adapter_model.safetensors"));
    // As if the child died after checkpoint 4 while writing checkpoint 6 by hand: no marker.
    AtomicFiles.deleteTree(resumed.checkpoint(8));
    Files.delete(resumed.checkpoint(6).resolve(Checkpoints.COMPLETE));
    Files.delete(resumed.train().resolve("DONE.json"));
    List<JsonNode> events = train(resumed, 0);
    assertThat(events.get(0).path("resumed_from").asLong()).as(events.toString()).isEqualTo(4);
    assertThat(named(events, "log").stream().map(l -> l.get("message").asText()))
        .anyMatch(m -> m.contains("ignoring step-6: no COMPLETE marker"));
    assertThat(named(events, "checkpoint").stream().map(c -> c.get("step").asLong()))
        .containsExactly(6L, 8L);
    // Steps 6 and 8 log exactly the rows of the uninterrupted run, and the same final loss.
    List<Double> tail = losses(first).subList(losses(first).size() - 4, losses(first).size());
    assertThat(losses(events)).isEqualTo(tail);
    assertThat(Files.readAllBytes(resumed.checkpoint(8).resolve("adapter_model.safetensors")))
        .isEqualTo(adapter);
  }

  @Test
  void aCheckpointOfAnotherTrainingSpecIsRefused() throws IOException {
    RunDirectory other = TinyRun.withBase(shared.resolve("d"));
    train(other, 0, "train.max_steps=4");
    AtomicFiles.deleteTree(other.train().resolve("DONE.json"));
    List<JsonNode> events = train(other, 2, "train.lr=0.02");
    assertThat(named(events, "error").get(0).get("message").asText())
        .contains("step-4")
        .contains("different training spec");
  }

  @Test
  void aCorruptTokenizerOrWeightsFileIsBadInputNamingTheFile() throws IOException {
    RunDirectory broken = TinyRun.withBase(shared.resolve("e"));
    Path tokenizer = broken.tokenizer().resolve("tokenizer.json");
    byte[] good = Files.readAllBytes(tokenizer);
    Files.write(tokenizer, java.util.Arrays.copyOf(good, good.length / 2));
    JsonNode error = named(train(broken, 2), "error").get(0);
    assertThat(error.get("kind").asText()).isEqualTo("bad_input");
    assertThat(error.get("message").asText()).contains(tokenizer.toString());

    Files.write(tokenizer, good);
    Path weights = broken.base().resolve("model.safetensors");
    byte[] w = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(w, w.length - 100));
    error = named(train(broken, 2), "error").get(0);
    assertThat(error.get("kind").asText()).isEqualTo("bad_input");
    assertThat(error.get("message").asText()).contains(weights.toString());
  }
}
