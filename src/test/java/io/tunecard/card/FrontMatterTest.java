package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's YAML front matter parses and its model-index carries every evaluation result. */
class FrontMatterTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  static JsonNode frontMatterOf(CardModel card) throws Exception {
    Map<String, byte[]> files = new CardRenderer().renderAll(card, CardFixtures.ES_EN);
    String readme = new String(files.get("README.md"), StandardCharsets.UTF_8);
    JsonNode yaml = YAML.readTree(CardFixtures.frontMatter(readme));
    // The Spanish and English READMEs carry the same metadata: it is for machines.
    String en = new String(files.get("README.en.md"), StandardCharsets.UTF_8);
    assertThat(YAML.readTree(CardFixtures.frontMatter(en))).isEqualTo(yaml);
    return yaml;
  }

  static void assertEveryResultIsComplete(JsonNode yaml) {
    assertEveryResultIsComplete(yaml, "lavita/MedQuAD");
  }

  static void assertEveryResultIsComplete(JsonNode yaml, String datasetType) {
    JsonNode index = yaml.get("model-index");
    assertThat(index.isArray()).isTrue();
    assertThat(index.get(0).get("name").asText()).isNotBlank();
    for (JsonNode r : index.get(0).get("results")) {
      assertThat(r.at("/task/type").asText()).isEqualTo("text-generation");
      assertThat(r.at("/task/name").asText()).isNotBlank();
      assertThat(r.at("/dataset/name").asText()).isEqualTo("MedQuAD");
      assertThat(r.at("/dataset/type").asText()).isEqualTo(datasetType);
      assertThat(r.at("/dataset/split").asText()).isIn("validation", "test");
      assertThat(r.get("metrics").size()).isPositive();
      for (JsonNode m : r.get("metrics")) {
        assertThat(m.get("type").asText()).isNotBlank();
        assertThat(m.get("name").asText()).isNotBlank();
        assertThat(m.get("value").isNumber()).as("plain number: %s", m).isTrue();
      }
    }
  }

  @Test
  void figuresCardHasHubMetadataAndAResultPerStrategy() throws Exception {
    CardModel card = CardModel.fromFigures(CardFixtures.figures());
    JsonNode yaml = frontMatterOf(card);
    assertThat(yaml.get("language").get(0).asText()).isEqualTo("en");
    assertThat(yaml.get("license").asText()).isEqualTo("apache-2.0");
    assertThat(yaml.get("library_name").asText()).isEqualTo("peft");
    assertThat(yaml.get("base_model").asText()).isEqualTo("mistralai/Mistral-7B-Instruct-v0.3");
    assertThat(yaml.get("datasets").get(0).asText()).isEqualTo("lavita/MedQuAD");
    assertThat(yaml.get("pipeline_tag").asText()).isEqualTo("text-generation");
    assertThat(yaml.get("tags").toString()).contains("lora", "medical");
    assertEveryResultIsComplete(yaml);

    JsonNode results = yaml.get("model-index").get(0).get("results");
    assertThat(results).hasSize(1 + 6);
    assertThat(results.get(0).at("/dataset/split").asText()).isEqualTo("validation");
    assertThat(results.get(0).at("/metrics/0/value").doubleValue()).isEqualTo(0.700253);
    // Every decoding value is in the model-index, as a plain number.
    List<Double> values = new ArrayList<>();
    results.forEach(r -> r.get("metrics").forEach(m -> values.add(m.get("value").doubleValue())));
    for (StrategyResult s : card.evaluation().strategies()) {
      s.metrics().values().forEach(v -> assertThat(values).contains(v.mean()));
    }
  }

  @Test
  void runCardHasLossAndEveryStrategyWithTheRightSplits() throws Exception {
    CardModel card = CardFixtures.runCard();
    JsonNode yaml = frontMatterOf(card);
    // The run read MedQuAD's original XML, which is no Hub data set.
    assertEveryResultIsComplete(yaml, "medquad");
    assertThat(yaml.has("datasets")).isFalse();
    // The headline loss is Trainer's eval_loss, and says so.
    assertThat(yaml.at("/model-index/0/results/0/metrics/0/type").asText()).isEqualTo("loss");
    assertThat(yaml.at("/model-index/0/results/0/metrics/0/name").asText())
        .contains("eval_loss", "Trainer", "batch 16", "2453 rows", "step-150");
    // A scratch base is not a Hub model: no base_model key.
    assertThat(yaml.has("base_model")).isFalse();
    JsonNode results = yaml.get("model-index").get(0).get("results");
    assertThat(results).hasSize(1 + card.evaluation().strategies().size());
    assertThat(results.get(0).at("/metrics/0/value").doubleValue()).isEqualTo(4.207315);
    assertThat(results.get(1).at("/dataset/split").asText()).isEqualTo("test");
  }

  @Test
  void untrustedNamesCannotBreakTheYaml() throws Exception {
    CardModel seed = CardModel.fromFigures(CardFixtures.figures());
    ModelFacts evil =
        new ModelFacts(
            "x\n---\ninjected: true",
            "org/model: {a: 1}",
            null,
            "apache-2.0",
            "en",
            "lavita/MedQuAD",
            "MedQuAD",
            List.of("a\n---", "#b"),
            "text-generation");
    CardModel card =
        new CardModel(
            seed.source(),
            seed.kind(),
            evil,
            seed.dataset(),
            seed.training(),
            seed.trainingLog(),
            seed.evaluation(),
            seed.reported(),
            seed.environment(),
            seed.lineage(),
            seed.samples());
    JsonNode yaml = frontMatterOf(card);
    assertThat(yaml.has("injected")).isFalse();
    assertThat(yaml.get("base_model").asText()).isEqualTo("org/model: {a: 1}");
    assertThat(yaml.at("/model-index/0/name").asText()).isEqualTo("x\n---\ninjected: true");
  }
}
