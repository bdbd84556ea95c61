package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stage on Beam's DirectRunner (TestPipeline, with its immutability and encodability checks on)
 * over real MedQuAD files. The fixture's 51 pairs: 12 without answers, 3 exact duplicates inside
 * 5_NIDDK_QA/0000153.xml, 36 usable.
 */
class IngestDatasetTest {
  @TempDir Path tmp;

  /** The stage over {@code input}, as a run in {@code tmp/run} builds it. */
  IngestDataset ingest(Path input) throws IOException {
    Path staging = Files.createDirectories(tmp.resolve("run/.dataset.staging"));
    WorkflowContext context =
        IngestConfigs.context(
            IngestConfigs.spec(input, "medquad-xml", 1, "none"),
            new RunDirectory(tmp.resolve("run")));
    return new IngestDataset(context, IngestOptions.of(context, staging));
  }

  static TestPipeline pipeline() {
    return TestPipeline.create().enableAbandonedNodeEnforcement(true);
  }

  @Test
  void ingestsTheFixtureIntoSortedSplitsWithStats() throws IOException {
    TestPipeline p = pipeline();
    PCollection<IngestSummary> summary = p.apply(ingest(MedQuadXmlTest.FIXTURE));
    PAssert.thatSingleton(summary)
        .satisfies(
            s -> {
              assertThat(s.read()).isEqualTo(51);
              assertThat(s.usable()).isEqualTo(36);
              assertThat(s.rejectedByReason())
                  .containsExactlyEntriesOf(
                      new java.util.TreeMap<>(Map.of("duplicate", 3L, "empty_answer", 12L)));
              assertThat(s.splits().stream().mapToLong(IngestSummary.SplitFile::rows).sum())
                  .isEqualTo(36);
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "rejected_empty_answer")).isEqualTo(12);
    assertThat(counter(result, "rejected_duplicate")).isEqualTo(3);
    assertThat(counter(result, "rows_read")).isEqualTo(51);

    Path dataset = tmp.resolve("run/dataset");
    assertThat(Files.exists(tmp.resolve("run/.dataset.staging"))).isFalse();
    List<String> ids = new java.util.ArrayList<>();
    for (String split : List.of("train", "validation", "test")) {
      List<JsonNode> rows = Jsonl.readAll(dataset.resolve(split + ".jsonl"));
      List<String> splitIds = rows.stream().map(r -> r.get("id").asText()).toList();
      assertThat(splitIds).isSorted();
      ids.addAll(splitIds);
      for (JsonNode r : rows) {
        assertThat(Iterators.names(r)).startsWith("id", "source", "focus", "question_type");
        assertThat(r.get("answer").asText()).isNotBlank().doesNotContain("\n").doesNotContain("  ");
      }
    }
    assertThat(ids).hasSize(36).doesNotHaveDuplicates();

    JsonNode stats = Jsonl.readTree(dataset.resolve("stats.json"));
    assertThat(Iterators.names(stats))
        .containsExactly(
            "source",
            "input",
            "rows",
            "rejected_by_reason",
            "splits",
            "by_source",
            "by_question_type",
            "by_split",
            "answer_chars",
            "answer_tokens",
            "near_duplicate_questions_across_splits");
    assertThat(stats.at("/rows/read").asLong()).isEqualTo(51);
    assertThat(stats.at("/rows/usable").asLong()).isEqualTo(36);
    assertThat(stats.at("/rows/rejected").asLong()).isEqualTo(15);
    assertThat(Iterators.names(stats.get("splits"))).containsExactly("train", "validation", "test");
    assertThat(stats.get("answer_tokens").isNull()).isTrue();
    assertThat(Iterators.names(stats.get("answer_chars")))
        .containsExactly("min", "p50", "p90", "p99", "max", "mean");

    List<JsonNode> rejected = Jsonl.readAll(dataset.resolve("rejected.jsonl"));
    assertThat(rejected).hasSize(15);
    assertThat(rejected.stream().filter(r -> r.get("reason").asText().equals("duplicate")))
        .allSatisfy(
            r -> {
              assertThat(r.get("file").asText()).isEqualTo("5_NIDDK_QA/0000153.xml");
              assertThat(r.get("detail").asText()).startsWith("same question and answer as NIDDK_");
            });
  }

  @Test
  void hostileAndBrokenFilesAreRejectedByNameAndTheRestIsIngested() throws IOException {
    Path input = tmp.resolve("medquad");
    copyTree(MedQuadXmlTest.FIXTURE, input);
    Path secret = tmp.resolve("secret.txt");
    Files.writeString(secret, "TOP-SECRET-e91c");
    Files.writeString(
        input.resolve("2_GARD_QA/9000001.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \""
            + secret.toUri()
            + "\">]>\n"
            + MedQuadXmlTest.pair("&xxe;"));
    StringBuilder laughs = new StringBuilder("<!ENTITY l0 \"lol\">");
    for (int i = 1; i <= 9; i++) {
      laughs.append("<!ENTITY l" + i + " \"" + ("&l" + (i - 1) + ";").repeat(10) + "\">");
    }
    Files.writeString(
        input.resolve("3_GHR_QA/9000002.xml"),
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Document ["
            + laughs
            + "]>\n"
            + MedQuadXmlTest.pair("&l9;"));
    byte[] whole = Files.readAllBytes(input.resolve("7_SeniorHealth_QA/0000042.xml"));
    Files.write(
        input.resolve("7_SeniorHealth_QA/0000042.xml"), Arrays.copyOf(whole, whole.length / 3));

    TestPipeline p = pipeline();
    PCollection<IngestSummary> summary = p.apply(ingest(input));
    long seniorPairs = countPairs(whole);
    PAssert.thatSingleton(summary)
        .satisfies(
            s -> {
              assertThat(s.rejectedByReason()).containsEntry("doctype", 2L);
              assertThat(s.rejectedByReason()).containsEntry("malformed_xml", 1L);
              assertThat(s.usable()).isEqualTo(36 - seniorPairs);
              return null;
            });
    p.run().waitUntilFinish();

    Path dataset = tmp.resolve("run/dataset");
    List<JsonNode> rejected = Jsonl.readAll(dataset.resolve("rejected.jsonl"));
    assertThat(rejected)
        .filteredOn(r -> !r.get("reason").asText().equals("empty_answer"))
        .filteredOn(r -> !r.get("reason").asText().equals("duplicate"))
        .extracting(r -> r.get("file").asText() + " " + r.get("reason").asText())
        .containsExactly(
            "2_GARD_QA/9000001.xml doctype",
            "3_GHR_QA/9000002.xml doctype",
            "7_SeniorHealth_QA/0000042.xml malformed_xml");
    try (Stream<Path> files = Files.walk(tmp.resolve("run"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readString(f, StandardCharsets.UTF_8))
            .as(f.toString())
            .doesNotContain("TOP-SECRET")
            .doesNotContain("lollollol");
      }
    }
  }

  static long counter(PipelineResult result, String name) {
    var counters =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(IngestDataset.class, name))
                    .build())
            .getCounters();
    long sum = 0;
    for (var c : counters) {
      sum += c.getAttempted();
    }
    return sum;
  }

  private static long countPairs(byte[] xml) {
    String s = new String(xml, StandardCharsets.UTF_8);
    return s.split("<QAPair ", -1).length - 1;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path dst = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(p, dst);
        }
      }
    }
  }

  /** Field names of a JSON object, in order. */
  static final class Iterators {
    static List<String> names(JsonNode n) {
      List<String> out = new java.util.ArrayList<>();
      n.fieldNames().forEachRemaining(out::add);
      return out;
    }
  }
}
