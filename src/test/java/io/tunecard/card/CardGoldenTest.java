package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden files of the Markdown and HTML outputs of a fixed card (the hand-made run directory),
 * Spanish and English. Inline SVG is replaced by a summary (its id and its data points), because
 * its coordinates depend on the fonts of the machine. Regenerate after a deliberate change with
 * {@code mvn -B test -Dtest=CardGoldenTest -Dtunecard.updateGoldens=true} and review the diff.
 */
class CardGoldenTest {
  private static final Path GOLDEN_SOURCE = Path.of("src/test/resources/io/tunecard/card/golden");
  private static final Pattern SVG =
      Pattern.compile("(?s)<svg\\b[^>]*?\\bid=\"?'?([^\"' >]+)[^>]*>.*?</svg>");
  private static final Pattern POINT = Pattern.compile("class='(pt|bar)'");
  private static Map<String, byte[]> files;

  private static synchronized Map<String, byte[]> files() {
    if (files == null) {
      files = new CardRenderer().renderAll(CardFixtures.runCard(), CardFixtures.ES_EN);
    }
    return files;
  }

  /** Replaces each inline SVG by {@code <svg id=… points=N/>}. */
  static String withoutSvgGeometry(String html) {
    Matcher m = SVG.matcher(html);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      long points = POINT.matcher(m.group()).results().count();
      m.appendReplacement(
          sb,
          Matcher.quoteReplacement("<svg id=\"" + m.group(1) + "\" points=\"" + points + "\"/>"));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"README.md", "README.en.md", "index.html", "index.en.html"})
  void matchesGolden(String name) throws IOException {
    String actual = new String(files().get(name), StandardCharsets.UTF_8);
    if (name.endsWith(".html")) {
      actual = withoutSvgGeometry(actual);
    }
    Path golden = GOLDEN_SOURCE.resolve(name + ".golden");
    if (Boolean.getBoolean("tunecard.updateGoldens")) {
      Files.createDirectories(GOLDEN_SOURCE);
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    // Read from the source tree (surefire runs in the project root) so an update shows at once.
    String expected = Files.readString(golden, StandardCharsets.UTF_8);
    assertThat(actual)
        .as("%s differs from its golden file; see the class Javadoc", name)
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"index.html", "index.en.html"})
  void lossChartHasOnePointPerLoggedValue(String name) {
    String html = new String(files().get(name), StandardCharsets.UTF_8);
    String summary = withoutSvgGeometry(html);
    CardModel card = CardFixtures.runCard();
    long points = card.trainingRows().size() + card.validationRows().size();
    assertThat(summary).containsPattern("<svg id=\"loss-(es|en)\" points=\"" + points + "\"/>");
  }
}
