package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunecard.files.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Timeout;

/**
 * The Hub export's readers: any bytes as JSON lines or as CSV come back as rows and rejections (a
 * line or row that does not parse, or is not UTF-8, is a rejection), or are refused with a {@link
 * BadInputException} (a CSV without the export's header); never another exception, a hang or an
 * unbounded allocation. Seeds: {@code HfExportFuzzTestInputs/<method>/}.
 */
class HfExportFuzzTest {
  private final Cleaning cleaning = new Cleaning(true, false);

  private void read(byte[] input, String format) throws IOException {
    try {
      Parsed p = HfExport.read(new ByteArrayInputStream(input), "fuzz." + format, format);
      for (Candidate c : p.rows()) {
        assertThat(c.row().id()).isNotBlank();
        assertThat(c.row().question()).doesNotContain("\ufffd");
        Cleaning.Outcome o = cleaning.clean(c);
        assertThat(o.row() != null || o.rejection() != null).isTrue();
      }
      for (Rejection r : p.rejections()) {
        assertThat(Rejection.REASONS).contains(r.reason());
      }
    } catch (BadInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void anyJsonLinesAreRowsAndRejections(byte[] input) throws IOException {
    read(input, "jsonl");
  }

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void anyCsvIsRowsAndRejectionsOrRefused(byte[] input) throws IOException {
    read(input, "csv");
  }
}
