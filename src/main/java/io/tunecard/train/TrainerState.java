package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.Checkpoints;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code trainer_state.json} of a djl checkpoint: the fields docs/run-directory.md names plus what
 * an exact resume needs. The adapter and the AdamW moments are in their own files; the data order
 * is recomputed from {@code data_order_seed}, and the LoRA dropout masks from {@code
 * rng.dropout_seed} and the global micro-batch index, so nothing random needs saving beyond these.
 *
 * @param microBatchesConsumed micro-batches of all steps up to this one (the next one's index)
 * @param bestEvalLoss lowest eval loss among saved checkpoints so far (null: none evaluated)
 * @param evalLoss this step's eval loss, or null
 * @param baseEvalLoss the base model's loss on the same validation rows, measured before step 1
 * @param lastStepLoss the loss of this step
 * @param window the metrics row in progress: its summed step losses, steps and real tokens
 */
record TrainerState(
    long globalStep,
    double epoch,
    long microBatchesConsumed,
    long totalSteps,
    Double bestEvalLoss,
    Long bestStep,
    Double evalLoss,
    Double baseEvalLoss,
    double lastStepLoss,
    long dataOrderSeed,
    long dropoutSeed,
    String batching,
    String trainSpecSha256,
    Window window) {

  static final String ENGINE = "djl";

  /**
   * The logging window carried across a checkpoint, so a resumed run logs the same rows ({@code
   * seconds}: training time so far, for the row's tokens_per_s).
   */
  record Window(double lossSum, long steps, long tokens, double seconds) {}

  void write(Path dir) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("engine", ENGINE);
    o.put("global_step", globalStep);
    o.put("epoch", epoch);
    o.put("micro_batches_consumed", microBatchesConsumed);
    o.put("total_steps", totalSteps);
    o.put("best_eval_loss", bestEvalLoss);
    o.put("best_step", bestStep);
    o.put("eval_loss", evalLoss);
    o.put("base_eval_loss", baseEvalLoss);
    o.put("last_step_loss", lastStepLoss);
    o.put("data_order_seed", dataOrderSeed);
    o.put("batching", batching);
    ObjectNode rng = o.putObject("rng");
    rng.put("dropout_seed", dropoutSeed);
    rng.putNull("python_state");
    o.put("train_spec_sha256", trainSpecSha256);
    ObjectNode w = o.putObject("log_window");
    w.put("loss_sum", window.lossSum());
    w.put("steps", window.steps());
    w.put("tokens", window.tokens());
    w.put("seconds", window.seconds());
    AtomicFiles.writeString(dir.resolve(Checkpoints.TRAINER_STATE), Jsonl.pretty(o));
  }

  /** Reads a checkpoint's state; a missing or malformed file is bad input naming it. */
  static TrainerState read(Path dir) {
    Path file = dir.resolve(Checkpoints.TRAINER_STATE);
    try {
      JsonNode o = Jsonl.readTree(file);
      if (!ENGINE.equals(o.path("engine").asText())) {
        throw new BadInputException(
            file
                + ": written by the '"
                + o.path("engine").asText()
                + "' engine; the djl engine resumes only its own checkpoints (start a fresh"
                + " train/ with --fresh)");
      }
      JsonNode w = o.path("log_window");
      return new TrainerState(
          required(o, "global_step", file).asLong(),
          required(o, "epoch", file).asDouble(),
          required(o, "micro_batches_consumed", file).asLong(),
          required(o, "total_steps", file).asLong(),
          number(o, "best_eval_loss"),
          o.path("best_step").isIntegralNumber() ? o.get("best_step").asLong() : null,
          number(o, "eval_loss"),
          number(o, "base_eval_loss"),
          required(o, "last_step_loss", file).asDouble(),
          required(o, "data_order_seed", file).asLong(),
          required(o.path("rng"), "dropout_seed", file).asLong(),
          o.path("batching").asText(),
          o.path("train_spec_sha256").asText(),
          new Window(
              required(w, "loss_sum", file).asDouble(),
              required(w, "steps", file).asLong(),
              required(w, "tokens", file).asLong(),
              w.path("seconds").asDouble(0)));
    } catch (IOException e) {
      throw new BadInputException(
          file + ": cannot read the trainer state (" + e.getMessage() + ")");
    }
  }

  private static JsonNode required(JsonNode o, String key, Path file) {
    JsonNode v = o.path(key);
    if (!v.isNumber()) {
      throw new BadInputException(file + ": key '" + key + "': expected a number");
    }
    return v;
  }

  private static Double number(JsonNode o, String key) {
    return o.path(key).isNumber() ? o.get(key).asDouble() : null;
  }
}
