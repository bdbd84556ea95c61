package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A worker spec: the JSON document the parent writes for a child, valid against {@code
 * spec.schema.json} (the same file the Python worker validates with). Instances are always valid;
 * build one with {@link WorkerSpecs} or read one with {@link #read}.
 */
public final class WorkerSpec {
  /** The spec schema, shared with the Python worker. */
  public static final JsonSchema SCHEMA = JsonSchema.resource("spec.schema.json");

  /** The protocol version this side speaks. */
  public static final int PROTOCOL = 1;

  private final ObjectNode json;

  private WorkerSpec(ObjectNode json) {
    this.json = json;
  }

  /**
   * Validates {@code json} (copied) against the schema.
   *
   * @throws BadInputException naming every violating key, e.g. {@code $.train.lr: expected a number
   *     > 0, found -1}
   */
  public static WorkerSpec of(JsonNode json) {
    return of(json, "worker spec");
  }

  private static WorkerSpec of(JsonNode json, String source) {
    List<String> violations = SCHEMA.violations(json);
    if (!violations.isEmpty()) {
      throw new BadInputException(
          source + " does not match " + SCHEMA.name() + ":\n  " + String.join("\n  ", violations));
    }
    return new WorkerSpec(json.deepCopy());
  }

  /** Reads and validates a spec file; errors name the file. */
  public static WorkerSpec read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": worker spec not found");
    }
    try {
      return of(Jsonl.readTree(file), file.toString());
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
  }

  /** Writes the spec atomically (temporary file, then rename). */
  public void write(Path file) {
    try {
      AtomicFiles.writeString(file, Jsonl.pretty(json));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write worker spec " + file, e);
    }
  }

  /** The spec as JSON (a copy; the spec itself never changes). */
  public ObjectNode json() {
    return json.deepCopy();
  }

  /** One section of the spec, e.g. {@code train}; a missing node when absent or null. */
  public JsonNode section(String key) {
    JsonNode node = json.path(key);
    return node.isNull() ? MissingNode.getInstance() : node.deepCopy();
  }

  public Command command() {
    return Command.fromWire(json.get("command").asText());
  }

  public String engine() {
    return json.get("engine").asText();
  }

  public String device() {
    return json.get("device").asText();
  }

  public long seed() {
    return json.get("seed").asLong();
  }

  public Path outputDir() {
    return Path.of(json.get("output_dir").asText());
  }

  /** {@code <output_dir>/checkpoints}, where training writes {@code step-<N>/}. */
  public Path checkpointsDir() {
    return outputDir().resolve("checkpoints");
  }

  /** {@code train.keep_last}, or 0 when the spec has no train section. */
  public int keepLast() {
    return json.path("train").path("keep_last").asInt(0);
  }

  /** Equal when the JSON text is (a number read back from a file may change its node type). */
  @Override
  public boolean equals(Object o) {
    return o instanceof WorkerSpec other && other.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return Jsonl.write(json);
  }
}
