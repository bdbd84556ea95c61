package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.files.Jsonl;
import io.tunecard.rundir.DatasetRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
  static String lines(java.util.function.Consumer<JsonLines> body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonLines l = new JsonLines(out)) {
      body.accept(l);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesWhatDataBindingWrites() throws IOException {
    DatasetRow full =
        new DatasetRow(
            "GHR_0000001-1",
            "GHR",
            "Aarskog–Scott \"syndrome\"",
            "information",
            "What is (are) it ?",
            "Line\\back\tslash \u0001 ’ 😀",
            "https://ghr.nlm.nih.gov/x",
            "C0175701",
            "Disorders");
    DatasetRow sparse = new DatasetRow("X_1", null, null, null, "Q?", "", null, null, null);
    Rejection rejection = new Rejection("a/b.xml", 3, "QAPair pid=4", null, "malformed_xml", "x");
    String streamed =
        lines(
            l -> {
              try {
                l.write(full);
                l.write(sparse);
                l.write(rejection);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertThat(streamed)
        .isEqualTo(
            Jsonl.write(full) + "\n" + Jsonl.write(sparse) + "\n" + Jsonl.write(rejection) + "\n");
  }
}
