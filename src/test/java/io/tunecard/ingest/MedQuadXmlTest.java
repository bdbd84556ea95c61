package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.DatasetRow;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedQuadXmlTest {
  static final Path FIXTURE = Path.of("src/test/resources/io/tunecard/ingest/medquad");

  private final MedQuadXml xml = new MedQuadXml();

  Parsed parse(String file) throws IOException {
    try (InputStream in = Files.newInputStream(FIXTURE.resolve(file))) {
      return xml.parse(in, file);
    }
  }

  Parsed parseText(String text, String file) {
    return xml.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), file);
  }

  @Test
  void readsEveryPairWithItsDocumentFields() throws IOException {
    Parsed p = parse("8_NHLBI_QA_XML/0000121.xml");
    assertThat(p.rejections()).isEmpty();
    assertThat(p.rows()).isNotEmpty();
    DatasetRow first = p.rows().get(0).row();
    assertThat(first.id()).isEqualTo("NHLBI_0000121-2");
    assertThat(first.source()).isEqualTo("NHLBI");
    assertThat(first.focus()).isNotBlank();
    assertThat(first.questionType()).isEqualTo("susceptibility");
    assertThat(first.url()).startsWith("http");
    assertThat(first.answer()).isNotBlank();
    assertThat(first.semanticGroup()).isEqualTo("Disorders");
    assertThat(p.rows().get(0).position()).isEqualTo("QAPair pid=2");
  }

  @Test
  void keepsTheFirstOfSeveralCuis() throws IOException {
    String text = Files.readString(FIXTURE.resolve("8_NHLBI_QA_XML/0000121.xml"));
    int at = text.indexOf("<CUI>");
    String firstCui = text.substring(at + 5, text.indexOf("</CUI>", at));
    assertThat(parse("8_NHLBI_QA_XML/0000121.xml").rows())
        .allSatisfy(c -> assertThat(c.row().umlsCui()).isEqualTo(firstCui));
  }

  @Test
  void readsTheOlderLowerCaseLayout() throws IOException {
    Parsed p = parse("6_NINDS_QA/0000007.xml");
    assertThat(p.rejections()).isEmpty();
    assertThat(p.rows()).hasSize(4);
    DatasetRow r = p.rows().get(0).row();
    assertThat(r.id()).isEqualTo("NINDS_0000007-1");
    assertThat(r.source()).isEqualTo("NINDS");
    assertThat(r.focus()).isEqualTo("Holmes-Adie");
    assertThat(r.umlsCui()).isNull();
    assertThat(r.answer()).startsWith("Holmes-Adie syndrome (HAS) is");
    assertThat(p.rows().get(0).position()).isEqualTo("pair pid=1");
  }

  @Test
  void readsTheDiseaseFileRootAndRootLevelUmls() throws IOException {
    Parsed p = parse("9_CDC_QA/0000397.xml");
    assertThat(p.rejections()).isEmpty();
    assertThat(p.rows()).hasSize(5);
    assertThat(p.rows().get(0).row().id()).isEqualTo("CDC_0000397-1");
    assertThat(p.rows().get(0).row().umlsCui()).isNull();
  }

  @Test
  void subFilesThatReuseTheirParentsIdsGetTheFileNameInTheirIds() throws IOException {
    assertThat(parse("1_CancerGov_QA/0000013_2_4.xml").rows())
        .extracting(c -> c.row().id())
        .allMatch(id -> id.startsWith("CancerGov_0000013_2_4-"));
    assertThat(parse("1_CancerGov_QA/0000013_2_6.xml").rows())
        .extracting(c -> c.row().id())
        .allMatch(id -> id.startsWith("CancerGov_0000013_2_6-"));
  }

  @Test
  void rowsWithRemovedAnswersComeWithEmptyAnswers() throws IOException {
    Parsed p = parse("11_MPlusDrugs_QA/0001273.xml");
    assertThat(p.rows()).isNotEmpty().allSatisfy(c -> assertThat(c.row().answer()).isBlank());
  }

  @Test
  void aDoctypeWithAnExternalEntityIsRefusedAndNeverRead(@TempDir Path dir) throws IOException {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "TOP-SECRET-7f3a");
    String doc =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM \""
            + secret.toUri()
            + "\">]>\n"
            + pair("&xxe;");
    Parsed p = parseText(doc, "2_GARD_QA/evil.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(Rejection.DOCTYPE);
              assertThat(r.file()).isEqualTo("2_GARD_QA/evil.xml");
              assertThat(r.position()).isEqualTo("line 2");
              assertThat(r.toString()).doesNotContain("TOP-SECRET");
            });
  }

  @Test
  void anExternalDtdIsRefusedToo(@TempDir Path dir) throws IOException {
    Path dtd = dir.resolve("evil.dtd");
    Files.writeString(dtd, "<!ENTITY x \"TOP-SECRET-7f3a\">");
    String doc =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Document SYSTEM \""
            + dtd.toUri()
            + "\">\n"
            + pair("&x;");
    Parsed p = parseText(doc, "evil-dtd.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections()).extracting(Rejection::reason).containsExactly(Rejection.DOCTYPE);
  }

  @Test
  void nestedEntitiesAreRefusedBeforeAnyExpansion() {
    StringBuilder decl = new StringBuilder("<!ENTITY lol0 \"lol\">");
    for (int i = 1; i <= 9; i++) {
      String prev = "&lol" + (i - 1) + ";";
      decl.append("<!ENTITY lol").append(i).append(" \"").append(prev.repeat(10)).append("\">");
    }
    String doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [" + decl + "]>\n" + pair("&lol9;");
    long before = usedMemory();
    Parsed p = parseText(doc, "laughs.xml");
    assertThat(usedMemory() - before).isLessThan(64L << 20);
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections()).extracting(Rejection::reason).containsExactly(Rejection.DOCTYPE);
  }

  @Test
  void aTruncatedFileIsRejectedWholeWithWhereItBroke() throws IOException {
    byte[] full = Files.readAllBytes(FIXTURE.resolve("5_NIDDK_QA/0000153.xml"));
    byte[] half = Arrays.copyOf(full, full.length / 2);
    Parsed p = xml.parse(new ByteArrayInputStream(half), "5_NIDDK_QA/0000153.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(Rejection.MALFORMED_XML);
              assertThat(r.position()).startsWith("line ");
              assertThat(r.detail()).startsWith("not well-formed XML: ");
            });
  }

  @Test
  void anUndeclaredEntityIsMalformed() {
    Parsed p = parseText("<?xml version=\"1.0\"?>\n" + pair("a&nbsp;b"), "nbsp.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .extracting(Rejection::reason)
        .containsExactly(Rejection.MALFORMED_XML);
  }

  @Test
  void xmlEntitiesAreDecodedOnceByTheParser() {
    Parsed p =
        parseText("<?xml version=\"1.0\"?>\n" + pair("D&amp;C, &lt;5 %, &amp;amp;"), "x.xml");
    assertThat(p.rows().get(0).row().answer()).isEqualTo("D&C, <5 %, &amp;");
  }

  @Test
  void aPairWithoutQuestionIdIsAMissingField() {
    String doc =
        "<Document id=\"1\" source=\"GHR\"><QAPairs><QAPair pid=\"1\"><Question qtype=\"x\">Q?"
            + "</Question><Answer>A</Answer></QAPair></QAPairs></Document>";
    Parsed p = parseText(doc, "noqid.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(Rejection.MISSING_FIELD);
              assertThat(r.position()).isEqualTo("QAPair pid=1");
              assertThat(r.detail()).contains("qid");
            });
  }

  static String pair(String answer) {
    return "<Document id=\"0000001\" source=\"GARD\" url=\"https://example.org/x\">"
        + "<Focus>Gout</Focus><QAPairs><QAPair pid=\"1\">"
        + "<Question qid=\"0000001-1\" qtype=\"information\">What is (are) Gout ?</Question>"
        + "<Answer>"
        + answer
        + "</Answer></QAPair></QAPairs></Document>";
  }

  private static long usedMemory() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  // Found by MedQuadXmlFuzzTest: the JDK's StAX parser threw MissingResourceException
  // ("InvalidCharInDTD") on NUL characters in a DOCTYPE, which escaped and failed the whole ingest.
  @Test
  void aDoctypeTheParserCannotReadIsOneMalformedFileNotAFailedIngest() {
    String doc =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!EN"
            + "\0".repeat(80)
            + "TITY x SYSTEM \"file:///etc/passwd\">]>\n<Document id=\"1\" source=\"GHR\"/>\n";
    Parsed p = parseText(doc, "2_GARD_QA/nul.xml");
    assertThat(p.rows()).isEmpty();
    assertThat(p.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(Rejection.MALFORMED_XML);
              assertThat(r.detail()).contains("the XML parser failed");
            });
  }
}
