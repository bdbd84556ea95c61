package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.workflow.StrategySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code eval/metrics.json} in the shape docs/run-directory.md gives (the card reads it): settings,
 * the eval losses, BERTScore's status, and per strategy (workflow order) the fine-tune's metrics,
 * the base's and the paired differences.
 */
public final class MetricsFile {
  private MetricsFile() {}

  public static ObjectNode build(EvalSettings s, EvalLossReport loss, List<StrategyScores> scores) {
    Map<String, StrategyScores> byName = new HashMap<>();
    scores.forEach(x -> byName.put(x.strategy(), x));
    int questions = scores.isEmpty() ? 0 : parse(scores.get(0).adapter()).path("n").asInt();
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("split", s.split());
    o.put("n_questions", questions);
    o.put("max_new_tokens", s.maxNewTokens());
    o.put("bootstrap_resamples", s.bootstrapResamples());
    o.put("seed", s.seed());
    o.put("best_checkpoint", loss.best().map(LossResult::model).orElse(null));
    o.set("eval_loss", loss.toJson());
    String reason = scores.isEmpty() ? "no strategy was scored" : scores.get(0).bertscoreReason();
    ObjectNode bert = o.putObject("bertscore");
    bert.put("computed", reason == null);
    bert.put("model", s.bertscore().model());
    bert.put("layer", s.bertscore().layer());
    bert.put("rescale_with_baseline", s.bertscore().rescaleWithBaseline());
    bert.put("dtype", s.bertscore().dtype());
    if (reason != null) {
      bert.put("reason", reason);
    }
    ObjectNode strategies = o.putObject("strategies");
    ObjectNode base = s.compareBase() ? o.putObject("base") : null;
    ObjectNode delta = s.compareBase() ? o.putObject("base_vs_adapter") : null;
    for (StrategySpec st : s.strategies()) {
      StrategyScores x = byName.get(st.name());
      if (x == null) {
        throw new IllegalStateException("strategy " + st.name() + " was not scored");
      }
      strategies.set(st.name(), parse(x.adapter()));
      if (base != null) {
        base.set(st.name(), parse(x.base()));
        delta.set(st.name(), parse(x.delta()));
      }
    }
    return o;
  }

  public static void write(Path file, ObjectNode metrics) {
    try {
      AtomicFiles.writeString(file, Jsonl.pretty(metrics));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return Jsonl.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
