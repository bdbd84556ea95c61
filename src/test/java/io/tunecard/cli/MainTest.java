package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void validateAcceptsTheQuickstart() {
    Result r = run("validate", "workflows/quickstart.yaml");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("valid");
  }

  @Test
  void misspeltKeyExitsTwoNamingItWithoutStackTrace(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.yaml");
    Files.writeString(
        f,
        Files.readString(Path.of("workflows/quickstart.yaml"))
            .replace("max_seq_len", "max_seqlen"));
    Result r = run("validate", f.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("model.max_seqlen: unknown key").doesNotContain("\tat ");
  }

  @Test
  void validateCanPrintTheNameForScripts() {
    Result r = run("validate", "workflows/quickstart.yaml", "--print-name");
    assertThat(r.out().strip()).isEqualTo("quickstart");
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(run("validate", "--bogus", "x.yaml").code()).isEqualTo(Main.BAD_INPUT);
  }

  @Test
  void missingFileIsBadInput() {
    Result r = run("validate", "nope.yaml");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("nope.yaml").contains("file not found");
  }

  @Test
  void aStageFailureInsideTheRunnerIsReportedByItsOwnMessage() {
    Exception failed =
        new RuntimeException(
            "Pipeline execution failed",
            new java.util.concurrent.ExecutionException(
                new IllegalStateException("the card's charts cannot be drawn: no fonts")));
    StringWriter err = new StringWriter();
    int code = Main.report(failed, new PrintWriter(err, true), false);
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("error: the card's charts cannot be drawn: no fonts")
        .doesNotContain("Pipeline execution failed");
  }
}
