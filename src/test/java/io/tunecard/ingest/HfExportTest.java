package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HfExportTest {
  static final Path FIXTURE = Path.of("src/test/resources/io/tunecard/ingest/hf-export");

  static Parsed read(String file) throws IOException {
    try (InputStream in = Files.newInputStream(FIXTURE.resolve(file))) {
      return HfExport.read(in, file, HfExport.format("auto", file));
    }
  }

  static Parsed read(String text, String format) throws IOException {
    return HfExport.read(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "x." + format, format);
  }

  @Test
  void jsonLinesAndCsvGiveTheSameRows() throws IOException {
    Parsed jsonl = read("medquad-sample.jsonl");
    Parsed csv = read("medquad-sample.csv");
    assertThat(jsonl.rejections()).isEmpty();
    assertThat(csv.rejections()).isEmpty();
    assertThat(jsonl.rows()).hasSize(15);
    var cleaning = new Cleaning(false, false);
    assertThat(csv.rows())
        .extracting(c -> cleaning.clean(c).row().row())
        .containsExactlyElementsOf(
            jsonl.rows().stream().map(c -> cleaning.clean(c).row().row()).toList());
  }

  @Test
  void mapsTheExportColumnsToARow() throws IOException {
    var row =
        read("medquad-sample.jsonl").rows().stream()
            .map(Candidate::row)
            .filter(r -> r.source().equals("NHLBI"))
            .findFirst()
            .orElseThrow();
    assertThat(row.id()).isEqualTo("NHLBI_0000121-2");
    assertThat(row.questionType()).isEqualTo("susceptibility");
    assertThat(row.umlsCui()).startsWith("C");
    assertThat(row.semanticGroup()).isEqualTo("Disorders");
    assertThat(row.url()).startsWith("http");
  }

  @Test
  void aLineThatIsNoJsonObjectIsABadRecordAndTheRestIsRead() throws IOException {
    String good =
        "{\"document_source\":\"GHR\",\"question_id\":\"1-1\",\"question\":\"Q?\",\"answer\":\"A\"}";
    Parsed p = read(good + "\n{not json\n[1,2]\n\n" + good.replace("1-1", "1-2") + "\n", "jsonl");
    assertThat(p.rows()).extracting(c -> c.row().id()).containsExactly("GHR_1-1", "GHR_1-2");
    assertThat(p.rejections())
        .extracting(Rejection::position, Rejection::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("line 2", Rejection.BAD_RECORD),
            org.assertj.core.groups.Tuple.tuple("line 3", Rejection.BAD_RECORD));
  }

  @Test
  void aRowWithoutQuestionIdIsAMissingField() throws IOException {
    Parsed p =
        read("{\"document_source\":\"GHR\",\"question\":\"Q?\",\"answer\":\"A\"}\n", "jsonl");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .singleElement()
        .satisfies(r -> assertThat(r.detail()).isEqualTo("no value for question_id"));
  }

  @Test
  void aCsvWithoutTheExportColumnsIsBadInput() {
    assertThatThrownBy(() -> read("a,b\n1,2\n", "csv"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("document_source, question_id, question, answer");
  }

  @Test
  void theFormatComesFromTheExtension() {
    assertThat(HfExport.format("auto", "x.jsonl")).isEqualTo("jsonl");
    assertThat(HfExport.format("auto", "x.CSV")).isEqualTo("csv");
    assertThat(HfExport.format("csv", "x.txt")).isEqualTo("csv");
    assertThat(HfExport.format("auto", "train-00000-of-00001.parquet")).isEqualTo("parquet");
    assertThatThrownBy(() -> HfExport.format("auto", "data.txt"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("dataset.format");
  }

  @Test
  void firstItemReadsListsInSeveralSpellings() {
    assertThat(HfExport.firstItem("C0221757|C3501835", "[|,;\\s]+")).isEqualTo("C0221757");
    assertThat(HfExport.firstItem("['C1', 'C2']", "[|,;\\s]+")).isEqualTo("C1");
    assertThat(HfExport.firstItem("Chemicals & Drugs", "[|,;]+")).isEqualTo("Chemicals & Drugs");
    assertThat(HfExport.firstItem("  ", "[|,;]+")).isNull();
  }

  // Issue 18, case 7: invalid UTF-8 was replaced by U+FFFD and the row kept.
  @Test
  void aLineThatIsNotUtf8IsRejectedWithItsLineAndTheRestIsRead() throws IOException {
    byte[] good =
        "{\"document_source\":\"GHR\",\"question_id\":\"1-1\",\"question\":\"Q?\",\"answer\":\"A\"}\n"
            .getBytes(StandardCharsets.UTF_8);
    byte[] bad =
        "{\"document_source\":\"GHR\",\"question_id\":\"1-2\",\"question\":\"Q\u00ff?\",\"answer\":\"A\"}\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    all.write(good);
    all.write(bad);
    all.write(
        new String(good, StandardCharsets.UTF_8)
            .replace("1-1", "1-3")
            .getBytes(StandardCharsets.UTF_8));
    Parsed p = HfExport.read(new ByteArrayInputStream(all.toByteArray()), "x.jsonl", "jsonl");
    assertThat(p.rows()).extracting(c -> c.row().id()).containsExactly("GHR_1-1", "GHR_1-3");
    assertThat(p.rows()).noneMatch(c -> c.row().question().contains("\ufffd"));
    assertThat(p.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.position()).isEqualTo("line 2");
              assertThat(r.reason()).isEqualTo(Rejection.BAD_RECORD);
              assertThat(r.detail()).contains("UTF-8");
            });
  }
}
