package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row of {@code train/metrics.jsonl} (docs/run-directory.md): a logged training step, or an
 * evaluation ({@code eval_loss}, possibly without the training keys); the djl engine's row of step
 * 0 is the base model's validation loss. The parent appends the rows from the child's {@code
 * metrics} events ({@code worker.MetricsLog}), each written by {@link #line}; {@link #readAll} is
 * how every reader reads them. A key a row lacks reads as null; {@code step} is required.
 */
public record TrainMetricsRow(
    long step,
    Double epoch,
    Double loss,
    Double evalLoss,
    Double lr,
    Double gradNorm,
    Double tokensPerS) {

  /** The key order of a row; keys outside the format follow, sorted. */
  public static final List<String> KEYS =
      List.of("step", "epoch", "loss", "lr", "grad_norm", "tokens_per_s", "eval_loss");

  /**
   * The row of a child's {@code metrics} event as one line of {@code file} (without its newline):
   * the event without its {@code event} key, the keys in the order of {@link #KEYS}, keys outside
   * the format after them, sorted. The values are written as the child sent them, so a row reads
   * back as the event did: an {@code epoch} sent as {@code 0} stays {@code 0}, a key outside the
   * format (the schema allows them) is kept. The event is read as a row first, so a step that is
   * not an integer, or a value of the wrong type, is bad input naming {@code file} and the key.
   */
  public static String line(Path file, JsonNode event) {
    if (!event.isObject()) {
      throw new BadInputException(file + ": a metrics event must be a JSON object, found " + event);
    }
    try {
      of(new JsonFields(file), event);
    } catch (BadInputException e) {
      throw new BadInputException(file + ": metrics event " + event + ": " + e.getMessage(), e);
    }
    ObjectNode row = Jsonl.MAPPER.createObjectNode();
    for (String key : KEYS) {
      if (event.has(key)) {
        row.set(key, event.get(key));
      }
    }
    Map<String, JsonNode> others = new TreeMap<>();
    event
        .fields()
        .forEachRemaining(
            e -> {
              if (!e.getKey().equals("event") && !KEYS.contains(e.getKey())) {
                others.put(e.getKey(), e.getValue());
              }
            });
    others.forEach(row::set);
    return Jsonl.write(row);
  }

  /** Every row of {@code file}, in the file's order; a bad row is bad input naming its number. */
  public static List<TrainMetricsRow> readAll(Path file) {
    List<JsonNode> lines;
    try {
      lines = Jsonl.readAll(file);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    JsonFields f = new JsonFields(file);
    List<TrainMetricsRow> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      JsonNode n = lines.get(i);
      try {
        rows.add(of(f, n));
      } catch (BadInputException e) {
        throw new BadInputException(file + ": row " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }

  /** One row of the file's JSON; a missing step or a value of the wrong type is bad input. */
  private static TrainMetricsRow of(JsonFields f, JsonNode n) {
    Long step = f.longValue(n, "step", "step");
    if (step == null) {
      throw new BadInputException("key 'step' is required");
    }
    return new TrainMetricsRow(
        step,
        f.number(n, "epoch", "epoch"),
        f.number(n, "loss", "loss"),
        f.number(n, "eval_loss", "eval_loss"),
        f.number(n, "lr", "lr"),
        f.number(n, "grad_norm", "grad_norm"),
        f.number(n, "tokens_per_s", "tokens_per_s"));
  }
}
