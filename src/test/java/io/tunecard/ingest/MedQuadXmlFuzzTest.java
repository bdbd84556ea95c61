package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunecard.files.BadInputException;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Timeout;

/**
 * Any bytes given to the MedQuAD XML reader come back as rows and rejections (a file that does not
 * parse, or has a DOCTYPE, is one rejection), or are refused with a {@link BadInputException};
 * never another exception, a hang or an entity expansion. Every row survives cleaning or becomes a
 * rejection. Seeds: MedQuAD files and refused shapes in {@code MedQuadXmlFuzzTestInputs/}.
 */
class MedQuadXmlFuzzTest {
  private final MedQuadXml xml = new MedQuadXml();
  private final Cleaning cleaning = new Cleaning(true, true);

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void anyXmlIsRowsAndRejections(byte[] input) {
    try {
      Parsed p = xml.parse(new ByteArrayInputStream(input), "1_CancerGov_QA/fuzz.xml");
      for (Candidate c : p.rows()) {
        assertThat(c.row().id()).isNotBlank();
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
}
