package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code train/DONE.json}: written atomically by the training child after its final checkpoint is
 * complete, and trusted by the parent only when that checkpoint has its {@code COMPLETE} marker
 * (see {@link Checkpoints#finished}).
 *
 * @param finalStep the global step of the final checkpoint
 * @param finalLoss the training loss of the last logged step (null when none was logged)
 * @param bestCheckpoint the checkpoint with the lowest eval loss, e.g. {@code step-150} (null when
 *     no evaluation ran)
 */
public record TrainingDone(long finalStep, Double finalLoss, String bestCheckpoint) {
  public static final String FILE = "DONE.json";

  public TrainingDone {
    if (finalStep < 0) {
      throw new IllegalArgumentException("final_step: expected >= 0, found " + finalStep);
    }
    if (bestCheckpoint != null && !bestCheckpoint.matches("step-\\d+")) {
      throw new IllegalArgumentException(
          "best_checkpoint: expected step-<N>, found '" + bestCheckpoint + "'");
    }
  }

  /** Writes {@code <trainDir>/DONE.json} atomically. */
  public void write(Path trainDir) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("final_step", finalStep);
    o.put("final_loss", finalLoss);
    o.put("best_checkpoint", bestCheckpoint);
    AtomicFiles.writeString(trainDir.resolve(FILE), Jsonl.pretty(o));
  }

  /**
   * Reads {@code <trainDir>/DONE.json}; empty when it is absent.
   *
   * @throws IOException when it exists but is not a valid DONE.json (the message names the file)
   */
  public static Optional<TrainingDone> read(Path trainDir) throws IOException {
    Path file = trainDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode o = Jsonl.readTree(file);
    if (!o.path("final_step").canConvertToLong() || !o.path("final_step").isIntegralNumber()) {
      throw new IOException(file + ": final_step: expected an integer");
    }
    try {
      return Optional.of(
          new TrainingDone(
              o.get("final_step").asLong(),
              o.path("final_loss").isNumber() ? o.get("final_loss").asDouble() : null,
              o.path("best_checkpoint").isTextual() ? o.get("best_checkpoint").asText() : null));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
