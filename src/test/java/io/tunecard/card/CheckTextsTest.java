package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CheckTextsTest {
  /** The packed English messages, with {@code extra} added. */
  private static Messages english(Map<String, String> extra) throws IOException {
    Properties bundled = new Properties();
    try (InputStream in =
        CheckTextsTest.class
            .getClassLoader()
            .getResourceAsStream(Templates.CLASSPATH_ROOT + "card_en.properties")) {
      bundled.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    Map<String, String> texts = new HashMap<>();
    bundled.stringPropertyNames().forEach(k -> texts.put(k, bundled.getProperty(k)));
    texts.putAll(extra);
    return new Messages(Locale.ENGLISH, texts, "test");
  }

  @Test
  void aMetricWhoseDefinitionTheMessagesHoldIsDefinedWithoutCodeInTheCard() throws IOException {
    CardModel card = CardFixtures.runCard();
    assertThat(card.evaluation().metricNames()).contains("distinct_1_corpus");
    List<String> without = new CheckTexts(card, english(Map.of())).definitions();
    List<String> with =
        new CheckTexts(
                card, english(Map.of("defs.distinct_1_corpus", "**Distinct-1 (corpus)**: …")))
            .definitions();
    assertThat(with).hasSize(without.size() + 1).contains("**Distinct-1 (corpus)**: …");
    assertThat(with.get(with.size() - 1)).startsWith("**Intervals**");
  }
}
