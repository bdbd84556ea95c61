package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputListingTest {
  @TempDir Path dir;

  static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
      for (var e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return file;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void refusesEntriesThatWouldEscapeTheirFolder() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("MedQuAD/3_GHR_QA/0000001.xml", bytes("<Document/>"));
    entries.put("../evil.xml", bytes("<x/>"));
    entries.put("MedQuAD/../../evil2.xml", bytes("<x/>"));
    entries.put("/etc/evil3.xml", bytes("<x/>"));
    entries.put("MedQuAD/3_GHR_QA/..\\..\\evil4.xml", bytes("<x/>"));
    entries.put("MedQuAD/readme.txt", bytes("not xml"));
    InputListing.Listing l =
        InputListing.listZip(zip(dir.resolve("in.zip"), entries), 1 << 20, 100);
    assertThat(l.files())
        .extracting(SourceFile::name)
        .containsExactly("MedQuAD/3_GHR_QA/0000001.xml");
    assertThat(l.refused())
        .extracting(Rejection::file)
        .containsExactly(
            "../evil.xml",
            "MedQuAD/../../evil2.xml",
            "/etc/evil3.xml",
            "MedQuAD/3_GHR_QA/..\\..\\evil4.xml");
    assertThat(l.refused()).allSatisfy(r -> assertThat(r.reason()).isEqualTo("zip_entry_refused"));
  }

  @Test
  void refusesAZipWhoseEntriesInflatePastTheBound() throws IOException {
    // 50 MB of zeros deflates to about 50 kB: a small bomb.
    Path bomb = dir.resolve("bomb.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(bomb))) {
      z.putNextEntry(new ZipEntry("MedQuAD/1_CancerGov_QA/bomb.xml"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 50; i++) {
        z.write(zeros);
      }
      z.closeEntry();
    }
    assertThat(Files.size(bomb)).isLessThan(1 << 20);
    assertThatThrownBy(() -> InputListing.listZip(bomb, 10L << 20, 100))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bomb.zip")
        .hasMessageContaining("dataset.max_inflated_bytes");
  }

  @Test
  void refusesAZipWithTooManyEntries() throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      entries.put("MedQuAD/9_CDC_QA/" + i + ".xml", bytes("<Document/>"));
    }
    Path z = zip(dir.resolve("many.zip"), entries);
    assertThatThrownBy(() -> InputListing.listZip(z, 1 << 20, 10))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("dataset.max_zip_entries");
    assertThat(InputListing.listZip(z, 1 << 20, 20).files()).hasSize(20);
  }

  @Test
  void anEntryThatInflatesPastItsDeclaredSizeIsCutOff() throws IOException {
    byte[] big = bytes("<Document>" + "a".repeat(100_000) + "</Document>");
    Path z = zip(dir.resolve("liar.zip"), Map.of("MedQuAD/2_GARD_QA/liar.xml", big));
    patchDeclaredSize(z, 1000);
    InputListing.Listing l = InputListing.listZip(z, 1 << 20, 10);
    SourceFile f = l.files().get(0);
    assertThat(f.size()).isEqualTo(1000);
    try (InputListing.Opener opener = new InputListing.Opener();
        InputStream in = opener.open(f)) {
      Parsed p = new MedQuadXml().parse(in, f.name());
      assertThat(p.rows()).isEmpty();
      assertThat(p.rejections())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.reason()).isEqualTo(Rejection.ZIP_ENTRY_REFUSED);
                assertThat(r.detail()).contains("inflates past the 1000 bytes");
              });
    }
  }

  @Test
  void aMissingInputIsBadInput() {
    IngestConfig c = IngestConfigs.of(dir.resolve("nowhere"), dir.resolve("s"), dir.resolve("t"));
    assertThatThrownBy(() -> InputListing.list(c))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("dataset.path")
        .hasMessageContaining("does not exist");
  }

  @Test
  void aDirectoryListsItsXmlFilesInNameOrder() {
    InputListing.Listing l = InputListing.listDirectory(MedQuadXmlTest.FIXTURE);
    assertThat(l.refused()).isEmpty();
    assertThat(l.files()).hasSize(17);
    assertThat(l.files().get(0).name()).isEqualTo("10_MPlus_ADAM_QA/0002236.xml");
    assertThat(l.files()).allSatisfy(f -> assertThat(f.inZip()).isFalse());
  }

  /** Rewrites the central directory's uncompressed size of the zip's only entry. */
  static void patchDeclaredSize(Path zip, int size) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = b.length - 46; i >= 0; i--) {
      if (buf.getInt(i) == 0x02014b50) {
        buf.putInt(i + 24, size);
        try (OutputStream out = Files.newOutputStream(zip)) {
          out.write(b);
        }
        return;
      }
    }
    throw new IllegalStateException("no central directory in " + zip);
  }

  // Found by ZipInputFuzzTest: a zip whose central directory ends early made ZipFile throw
  // EOFException, which failed the ingest (exit 1, "cannot read ...: null") instead of refusing it.
  @Test
  void aZipWhoseCentralDirectoryEndsEarlyIsBadInput() throws Exception {
    Path zip = dir.resolve("cut.zip");
    try (InputStream in =
        getClass()
            .getResourceAsStream(
                "ZipInputFuzzTestInputs/anyZipIsListedAndReadOrRefused/"
                    + "finding-central-directory-eof.zip")) {
      Files.write(zip, in.readAllBytes());
    }
    assertThatThrownBy(() -> InputListing.listZip(zip, 1 << 20, 100))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("cut.zip: not a readable zip archive");
  }
}
