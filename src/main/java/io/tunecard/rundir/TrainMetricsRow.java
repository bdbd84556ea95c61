package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code train/metrics.jsonl} (docs/run-directory.md): a logged training step, or an
 * evaluation ({@code eval_loss}, possibly without the training keys); the djl engine's row of step
 * 0 is the base model's validation loss. The parent writes the rows from the child's {@code
 * metrics} events ({@code worker.MetricsLog}); {@link #readAll} is how every reader reads them. A
 * key a row lacks reads as null; {@code step} is required.
 */
public record TrainMetricsRow(
    long step,
    Double epoch,
    Double loss,
    Double evalLoss,
    Double lr,
    Double gradNorm,
    Double tokensPerS) {

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
        Long step = f.longValue(n, "step", "step");
        if (step == null) {
          throw new IllegalArgumentException("key 'step' is required");
        }
        rows.add(
            new TrainMetricsRow(
                step,
                f.number(n, "epoch", "epoch"),
                f.number(n, "loss", "loss"),
                f.number(n, "eval_loss", "eval_loss"),
                f.number(n, "lr", "lr"),
                f.number(n, "grad_norm", "grad_norm"),
                f.number(n, "tokens_per_s", "tokens_per_s")));
      } catch (IllegalArgumentException | BadInputException e) {
        throw new BadInputException(file + ": row " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }
}
