package io.tunecard.card;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The README's YAML front matter: Hub metadata and a {@code model-index} with every evaluation
 * result. Written by Jackson, so strings are quoted where YAML needs it and numbers are plain
 * (never locale-formatted). Metric names are English: the metadata is read by machines.
 */
final class FrontMatter {
  private static final YAMLMapper YAML =
      new YAMLMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());

  static {
    YAML.enable(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
  }

  private FrontMatter() {}

  /** The YAML between the {@code ---} lines (ends with a newline). */
  static String yaml(CardModel card) {
    ModelFacts m = card.model();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("language", List.of(m.modelLanguage()));
    root.put("license", m.license());
    root.put("library_name", ModelFacts.LIBRARY_NAME);
    if (!"scratch".equals(m.baseModel())) {
      root.put("base_model", m.baseModel());
    }
    if (m.datasetId() != null) {
      root.put("datasets", List.of(m.datasetId()));
    }
    root.put("tags", m.tags());
    root.put("pipeline_tag", m.pipelineTag());
    List<Map<String, Object>> results = results(card);
    if (!results.isEmpty()) {
      Map<String, Object> index = new LinkedHashMap<>();
      index.put("name", m.title());
      index.put("results", results);
      root.put("model-index", List.of(index));
    }
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Map<String, Object>> results(CardModel card) {
    List<Map<String, Object>> results = new ArrayList<>();
    List<Map<String, Object>> lossMetrics = new ArrayList<>();
    EvalLoss el = card.evaluation().evalLoss();
    String lossSplit = "validation";
    if (el != null && el.bestPoint() != null) {
      EvalLoss.Point best = el.bestPoint();
      lossSplit = el.split();
      String how =
          (el.batchSize() == null
                  ? ""
                  : "transformers Trainer definition, eval batch " + el.batchSize() + "; ")
              + el.split()
              + " split"
              + (el.rows() == null ? "" : ", " + el.rows() + " rows");
      lossMetrics.add(
          metric("loss", best.loss(), "eval_loss (" + how + "; " + best.checkpoint() + ")"));
      lossMetrics.add(metric("perplexity", Math.exp(best.loss()), "Perplexity, exp(eval_loss)"));
      if (el.base() != null) {
        lossMetrics.add(
            metric("loss", el.base().loss(), "eval_loss of the base model (" + how + ")"));
      }
    } else {
      LogRow best =
          card.validationRows().stream()
              .min(java.util.Comparator.comparingDouble(LogRow::validationLoss))
              .orElse(null);
      if (best != null) {
        lossMetrics.add(
            metric(
                "loss",
                best.validationLoss(),
                "Validation loss (best logged, step " + best.step() + ")"));
        lossMetrics.add(
            metric(
                "perplexity",
                Math.exp(best.validationLoss()),
                "Perplexity, exp(best validation loss)"));
      }
    }
    if (!lossMetrics.isEmpty()) {
      results.add(result(card, lossSplit, "Causal language modeling", lossMetrics));
    }
    for (StrategyResult s : card.evaluation().strategies()) {
      List<Map<String, Object>> metrics = new ArrayList<>();
      s.metrics().forEach((k, v) -> metrics.add(metric(k, v.mean(), k + " (" + s.name() + ")")));
      if (!metrics.isEmpty()) {
        results.add(
            result(card, card.evaluation().split(), "Answer generation, " + s.name(), metrics));
      }
    }
    return results;
  }

  private static Map<String, Object> result(
      CardModel card, String split, String taskName, List<Map<String, Object>> metrics) {
    Map<String, Object> task = new LinkedHashMap<>();
    task.put("type", "text-generation");
    task.put("name", taskName);
    Map<String, Object> dataset = new LinkedHashMap<>();
    dataset.put("name", card.model().datasetName());
    dataset.put(
        "type",
        card.model().datasetId() != null
            ? card.model().datasetId()
            : card.model().datasetName().toLowerCase(java.util.Locale.ROOT));
    dataset.put("split", split);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("task", task);
    r.put("dataset", dataset);
    r.put("metrics", metrics);
    return r;
  }

  private static Map<String, Object> metric(String type, double value, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put("value", plain(value));
    m.put("name", name);
    return m;
  }

  /** At most six decimals, as logged: 0.700253 stays 0.700253, exp(0.700253) is 2.014264. */
  static BigDecimal plain(double value) {
    return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros();
  }
}
