package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The example cards in docs/examples/ (linked from README.md and docs/card.md) are what the
 * renderer produces now: the reference fine-tune's card byte for byte from its figures (HTML
 * without chart geometry, which depends on fonts), and the quickstart's card section for section
 * against a card rendered here. After a deliberate change: {@code scripts/examples/regenerate}.
 */
class ExampleCardsTest {
  private static final Path EXAMPLES = Path.of("docs/examples");
  private static final String REGENERATE = "regenerate with scripts/examples/regenerate";

  @ParameterizedTest
  @ValueSource(strings = {"README.md", "README.en.md", "index.html", "index.en.html"})
  void theReferenceCardIsWhatItsFiguresRenderTo(String name) throws IOException {
    Path dir = EXAMPLES.resolve("reference-medquad-mistral7b");
    Map<String, byte[]> files =
        new CardRenderer()
            .renderAll(
                CardModel.fromFigures(dir.resolve("figures")),
                List.of(Locale.forLanguageTag("es"), Locale.forLanguageTag("en")));
    String actual = new String(files.get(name), StandardCharsets.UTF_8);
    String committed = Files.readString(dir.resolve(name));
    if (name.endsWith(".html")) {
      actual = CardGoldenTest.withoutSvgGeometry(actual);
      committed = CardGoldenTest.withoutSvgGeometry(committed);
    }
    assertThat(committed).as(REGENERATE).isEqualTo(actual);
    assertThat(dir.resolve("assets")).isDirectory();
    try (Stream<Path> assets = Files.list(dir.resolve("assets"))) {
      assertThat(assets.map(p -> "assets/" + p.getFileName()).sorted().toList())
          .as(REGENERATE)
          .isEqualTo(
              files.keySet().stream().filter(k -> k.startsWith("assets/")).sorted().toList());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"README.md:en", "README.es.md:es"})
  void theQuickstartCardHasTheSectionsTheRendererWritesNow(String nameAndLanguage)
      throws IOException {
    String name = nameAndLanguage.split(":")[0];
    Locale language = Locale.forLanguageTag(nameAndLanguage.split(":")[1]);
    Map<String, byte[]> files =
        new CardRenderer().renderAll(CardFixtures.runCard(), List.of(language));
    String rendered = new String(files.get("README.md"), StandardCharsets.UTF_8);
    String committed = Files.readString(EXAMPLES.resolve("quickstart").resolve(name));
    assertThat(outline(committed)).as(REGENERATE).isEqualTo(outline(rendered));
  }

  /** The Markdown headings, with the sample headings' question ids and strategies left out. */
  static List<String> outline(String markdown) {
    return markdown
        .lines()
        .filter(l -> l.startsWith("#"))
        .map(l -> l.replaceAll(" — `.*$", ""))
        .toList();
  }
}
