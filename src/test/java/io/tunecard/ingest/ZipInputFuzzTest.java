package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Any bytes as {@code dataset.path: x.zip}: the zip is listed (names that would escape refused,
 * sizes bounded) and every entry listed is read and parsed, or the whole zip is refused with a
 * {@link BadInputException}; never another exception, a hang, or an entry inflating past its bound.
 * Seeds: small zips in {@code ZipInputFuzzTestInputs/}.
 */
class ZipInputFuzzTest {
  private static final long MAX_FILE = 64 << 10;
  private static final Path ZIP = tempZip();

  private final MedQuadXml xml = new MedQuadXml();

  private static Path tempZip() {
    try {
      Path dir = Files.createTempDirectory("zip-fuzz");
      dir.toFile().deleteOnExit();
      Path zip = dir.resolve("input.zip");
      zip.toFile().deleteOnExit();
      return zip;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void anyZipIsListedAndReadOrRefused(byte[] input) throws IOException {
    Files.write(ZIP, input);
    try {
      InputListing.Listing listing = InputListing.listZip(ZIP, 1 << 20, 1000, MAX_FILE);
      try (InputListing.Opener opener = new InputListing.Opener()) {
        for (SourceFile f : listing.files()) {
          assertThat(f.size()).isLessThanOrEqualTo(MAX_FILE);
          Parsed p = opener.read(f, xml::parse);
          p.rejections().forEach(r -> assertThat(Rejection.REASONS).contains(r.reason()));
        }
      }
      listing.refused().forEach(r -> assertThat(r.reason()).isIn(Rejection.ZIP_ENTRY_REFUSED));
    } catch (BadInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
