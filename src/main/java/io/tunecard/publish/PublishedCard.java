package io.tunecard.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code model-index} of a published card's YAML front matter: the figures a new version must
 * beat. A metric entry stands for gate metric {@code m} when its {@code type} (or {@code name}) is
 * {@code m}; for a generation metric it must also name the strategy — as {@code config}, as {@code
 * args.strategy}, or in its {@code name} ("rougeL (greedy)"). An entry without any strategy is
 * accepted only when it is the sole entry for that metric.
 */
public final class PublishedCard {
  private static final YAMLMapper YAML = new YAMLMapper();

  /** One {@code metrics} entry of a {@code model-index} result. */
  public record Metric(String type, String name, String strategy, double value) {}

  private final List<Metric> metrics;

  private PublishedCard(List<Metric> metrics) {
    this.metrics = List.copyOf(metrics);
  }

  public List<Metric> metrics() {
    return metrics;
  }

  /** Parses a README.md; a card without front matter or model-index has no metrics. */
  public static PublishedCard parse(String readme) {
    String text = readme.startsWith("\uFEFF") ? readme.substring(1) : readme;
    text = text.replace("\r\n", "\n");
    if (!text.startsWith("---\n")) {
      return new PublishedCard(List.of());
    }
    int end = text.indexOf("\n---", 3);
    if (end < 0) {
      throw new IllegalArgumentException("the YAML front matter has no closing '---'");
    }
    JsonNode front;
    try {
      front = YAML.readTree(text.substring(4, end + 1));
    } catch (IOException e) {
      throw new IllegalArgumentException("the YAML front matter does not parse: " + e.getMessage());
    }
    List<Metric> out = new ArrayList<>();
    if (front == null) {
      return new PublishedCard(out);
    }
    for (JsonNode model : front.path("model-index")) {
      for (JsonNode result : model.path("results")) {
        for (JsonNode m : result.path("metrics")) {
          JsonNode value = m.path("value");
          if (!value.isNumber() && !(value.isTextual() && isNumber(value.asText()))) {
            continue;
          }
          String strategy = m.path("config").asText(null);
          if (strategy == null && m.path("args").isObject()) {
            strategy = m.path("args").path("strategy").asText(null);
          }
          out.add(
              new Metric(
                  m.path("type").asText(""),
                  m.path("name").asText(""),
                  strategy,
                  value.asDouble()));
        }
      }
    }
    return new PublishedCard(out);
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The published figure for {@code metric} (and {@code strategy} for a generation metric). */
  public Optional<Metric> find(String metric, String strategy) {
    List<Metric> same = new ArrayList<>();
    for (Metric m : metrics) {
      if (m.type().equalsIgnoreCase(metric) || m.name().equalsIgnoreCase(metric)) {
        same.add(m);
      } else if (strategy != null
          && (m.type().equalsIgnoreCase(metric) || startsWithWord(m.name(), metric))) {
        same.add(m);
      }
    }
    if (EvalMetrics.isLossMetric(metric) || strategy == null) {
      return same.stream().findFirst();
    }
    for (Metric m : same) {
      if (strategy.equals(m.strategy()) || mentions(m.name(), strategy)) {
        return Optional.of(m);
      }
    }
    List<Metric> untagged =
        same.stream().filter(m -> m.strategy() == null && !m.name().contains("(")).toList();
    return same.size() == 1 && untagged.size() == 1
        ? Optional.of(untagged.get(0))
        : Optional.empty();
  }

  private static boolean startsWithWord(String name, String metric) {
    String n = name.toLowerCase(Locale.ROOT);
    String m = metric.toLowerCase(Locale.ROOT);
    return n.startsWith(m + " ") || n.startsWith(m + "(");
  }

  private static boolean mentions(String name, String strategy) {
    return name.contains("(" + strategy + ")")
        || name.endsWith(" " + strategy)
        || name.contains(" " + strategy + " ");
  }
}
