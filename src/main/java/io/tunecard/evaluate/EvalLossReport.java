package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * {@code eval/eval_loss.json}: the validation loss of the base and of every complete checkpoint
 * under both definitions ({@link LossResult}), and the best checkpoint (lowest {@code eval_loss};
 * the earlier step on ties), the one generation uses.
 *
 * @param rows the validation rows scored (rows whose prompt fills max_seq_len are left out)
 * @param batchSize the eval batch size {@code eval_loss} was computed with ({@code eval.batch})
 */
@DefaultCoder(ElementCoder.class)
public record EvalLossReport(
    String split, int rows, int batchSize, LossResult base, List<LossResult> checkpoints)
    implements Serializable {
  public static final String FILE = "eval_loss.json";

  public EvalLossReport {
    checkpoints =
        checkpoints.stream()
            .sorted(Comparator.comparing(c -> c.step() == null ? Long.MAX_VALUE : c.step()))
            .toList();
  }

  public Optional<LossResult> best() {
    LossResult best = null;
    for (LossResult c : checkpoints) {
      if (best == null || c.loss() < best.loss()) {
        best = c;
      }
    }
    return Optional.ofNullable(best);
  }

  public ObjectNode toJson() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("split", split);
    o.put("rows", rows);
    o.put("batch_size", batchSize);
    if (base == null) {
      o.putNull("base");
    } else {
      o.set("base", base.toJson(false));
    }
    ArrayNode list = o.putArray("checkpoints");
    checkpoints.forEach(c -> list.add(c.toJson(true)));
    Optional<LossResult> best = best();
    if (best.isPresent()) {
      o.put("best", best.get().model());
    } else {
      o.putNull("best");
    }
    return o;
  }

  /**
   * Reads an {@code eval_loss.json} written by the hf worker; checkpoint names resolve under the
   * run's {@code train/checkpoints}.
   */
  public static EvalLossReport read(Path file, RunDirectory run) {
    JsonNode root;
    try {
      root = Jsonl.readTree(file);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    try {
      JsonNode b = root.path("base");
      LossResult base =
          b.isObject()
              ? new LossResult(
                  "base",
                  null,
                  null,
                  number(b, "eval_loss"),
                  number(b, "eval_loss_token_weighted"),
                  b.path("tokens").asLong())
              : null;
      List<LossResult> checkpoints = new ArrayList<>();
      for (JsonNode c : root.path("checkpoints")) {
        String name = c.path("checkpoint").asText();
        checkpoints.add(
            new LossResult(
                name,
                run.checkpoints().resolve(name).toString(),
                c.path("step").isNumber() ? c.get("step").asLong() : null,
                number(c, "eval_loss"),
                number(c, "eval_loss_token_weighted"),
                c.path("tokens").asLong()));
      }
      return new EvalLossReport(
          root.path("split").asText("validation"),
          root.path("rows").asInt(),
          number(root, "batch_size").intValue(),
          base,
          checkpoints);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file + ": " + e.getMessage(), e);
    }
  }

  private static Double number(JsonNode n, String key) {
    if (!n.path(key).isNumber()) {
      throw new IllegalArgumentException("key '" + key + "': expected a number");
    }
    return n.get(key).asDouble();
  }
}
