package io.tunecard.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PublishedCardTest {
  static PublishedCard fixtureCard() throws Exception {
    Path readme =
        Path.of(
            PublishedCardTest.class
                .getResource("/io/tunecard/publish/fixture/reports/README.md")
                .toURI());
    return PublishedCard.parse(Files.readString(readme));
  }

  @Test
  void readsTheModelIndexOfTheFixtureCard() throws Exception {
    PublishedCard card = fixtureCard();
    assertThat(card.metrics()).hasSize(4);
    assertThat(card.find("eval_loss", null).orElseThrow().value()).isEqualTo(2.31);
    assertThat(card.find("perplexity", "beam_4").orElseThrow().value()).isEqualTo(10.07442);
    assertThat(card.find("rougeL", "greedy").orElseThrow().value()).isEqualTo(0.214);
    assertThat(card.find("rougeL", "beam_4").orElseThrow().value()).isEqualTo(0.231);
    assertThat(card.find("rougeL", "topk_50")).isEmpty();
    assertThat(card.find("distinct_1", "greedy")).isEmpty();
  }

  @Test
  void aStrategyMayBeNamedByArgsOrInTheName() {
    String readme =
        "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n"
            + "    dataset: {type: d, name: d}\n    metrics:\n"
            + "    - {type: rougeL, value: 0.3, args: {strategy: greedy}}\n"
            + "    - {type: rougeL, name: rougeL (beam_4), value: '0.4'}\n---\n";
    PublishedCard card = PublishedCard.parse(readme);
    assertThat(card.find("rougeL", "greedy").orElseThrow().value()).isEqualTo(0.3);
    assertThat(card.find("rougeL", "beam_4").orElseThrow().value()).isEqualTo(0.4);
  }

  @Test
  void aSoleUntaggedEntryStandsForAnyStrategy() {
    String readme =
        "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n    dataset: {type: d,"
            + " name: d}\n    metrics:\n    - {type: rougeL, value: 0.25}\n---\nbody\n";
    assertThat(PublishedCard.parse(readme).find("rougeL", "greedy").orElseThrow().value())
        .isEqualTo(0.25);
  }

  @Test
  void aCardWithoutFrontMatterHasNoMetrics() {
    assertThat(PublishedCard.parse("# just a title\n").metrics()).isEmpty();
    assertThat(PublishedCard.parse("---\nlicense: mit\n---\n# t\n").metrics()).isEmpty();
  }

  @Test
  void brokenFrontMatterIsAnError() {
    assertThatThrownBy(() -> PublishedCard.parse("---\nlicense: [mit\n---\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not parse");
    assertThatThrownBy(() -> PublishedCard.parse("---\nlicense: mit\n"))
        .hasMessageContaining("no closing");
  }
}
