package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.metrics.TextMetrics;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation stage on the DirectRunner, on a real tiny run (see {@link EvalRunFixture}). */
class EvaluationStageTest {
  @TempDir Path tmp;

  static PipelineOptions direct(int workers) {
    DirectOptions o = PipelineOptionsFactory.create().as(DirectOptions.class);
    o.setRunner(DirectRunner.class);
    o.setTargetParallelism(workers);
    o.setBlockOnRun(true);
    return o;
  }

  @Test
  void writesEveryStrategyAndTheSameFilesWithOneOrTwoWorkers() throws IOException {
    RunDirectory one = EvalRunFixture.copyTo(tmp.resolve("one"));
    RunDirectory two = EvalRunFixture.copyTo(tmp.resolve("two"));
    long t0 = System.nanoTime();
    EvaluationStage.run(EvalRunFixture.context(one), direct(1));
    long t1 = System.nanoTime();
    EvaluationStage.run(EvalRunFixture.context(two), direct(2));
    System.out.printf(
        "evaluation stage on the DirectRunner: %.1f s (1 worker), %.1f s (2 workers)%n",
        (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);

    List<String> files;
    try (Stream<Path> s = Files.walk(one.eval())) {
      files =
          s.filter(Files::isRegularFile)
              .map(p -> one.eval().relativize(p).toString())
              .sorted()
              .toList();
    }
    assertThat(files).hasSize(2 + 6 + 6);
    for (String f : files) {
      assertThat(Files.readAllBytes(two.eval().resolve(f)))
          .as(f)
          .isEqualTo(Files.readAllBytes(one.eval().resolve(f)));
    }

    JsonNode m = Jsonl.readTree(one.evalMetrics());
    assertThat(m.get("split").asText()).isEqualTo("test");
    assertThat(m.get("n_questions").asInt()).isEqualTo(6);
    assertThat(m.get("max_new_tokens").asInt()).isEqualTo(6);
    assertThat(m.get("bootstrap_resamples").asInt()).isEqualTo(1000);
    assertThat(m.get("best_checkpoint").asText()).isIn("step-2", "step-4");
    JsonNode loss = m.get("eval_loss");
    assertThat(loss.get("checkpoints")).hasSize(2);
    for (JsonNode c : loss.get("checkpoints")) {
      assertThat(c.get("perplexity").asDouble())
          .isCloseTo(Math.exp(c.get("loss").asDouble()), org.assertj.core.data.Offset.offset(1e-9));
    }
    assertThat(loss.get("base").get("loss").asDouble())
        .isNotEqualTo(loss.get("checkpoints").get(0).get("loss").asDouble());
    assertThat(m.get("bertscore").get("computed").asBoolean()).isFalse();
    assertThat(m.get("bertscore").get("reason").asText()).contains("roberta-large");
    assertThat(m.get("strategies").fieldNames())
        .toIterable()
        .containsExactly("beam_4", "topp_0.9", "temp_1.2", "greedy", "temp_0.9", "topk_50");
    for (String section : List.of("strategies", "base")) {
      for (JsonNode s : m.get(section)) {
        assertThat(s.get("n").asInt()).isEqualTo(6);
        assertThat(s.get("metrics").fieldNames())
            .toIterable()
            .containsExactlyElementsOf(TextMetrics.ALL);
        for (JsonNode e : s.get("metrics")) {
          assertThat(e.get("ci_low").asDouble()).isLessThanOrEqualTo(e.get("ci_high").asDouble());
          assertThat(e.get("n").asInt()).isEqualTo(6);
        }
      }
    }
    assertThat(m.get("base_vs_adapter")).hasSize(6);
    List<JsonNode> greedy = Jsonl.readAll(one.generations("greedy"));
    assertThat(greedy).hasSize(6);
    assertThat(greedy.stream().map(r -> r.get("id").asText()).toList()).isSorted();
    try (Stream<Path> left = Files.list(one.root())) {
      assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")))
          .isEmpty();
    }
  }
}
