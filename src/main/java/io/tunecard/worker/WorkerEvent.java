package io.tunecard.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.util.List;

/**
 * One event a worker child wrote on stdout, valid against {@code events.schema.json}.
 *
 * @param name the {@code event} key: started, progress, metrics, checkpoint, eval_loss, log, error
 *     or done
 */
public record WorkerEvent(String name, ObjectNode json) {
  /** The events schema, shared with the Python worker. */
  public static final JsonSchema SCHEMA = JsonSchema.resource("events.schema.json");

  private static final ObjectReader READER =
      Jsonl.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * A stdout line that is not a valid event: the protocol is broken. It is refused like any bad
   * input (the supervisor turns it into the child's failure).
   */
  public static final class ProtocolException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
      super(message);
    }
  }

  /**
   * Parses and validates one stdout line.
   *
   * @throws ProtocolException when the line is not JSON, not an object or not a known event; the
   *     message quotes the line or names the violating key
   */
  public static WorkerEvent parse(String line) {
    JsonNode node;
    try {
      node = READER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new ProtocolException("not a JSON event: " + quote(line));
    }
    if (node == null || !node.isObject()) {
      throw new ProtocolException("not a JSON object: " + quote(line));
    }
    List<String> violations = SCHEMA.violations(node);
    if (!violations.isEmpty()) {
      throw new ProtocolException(
          "invalid event " + quote(line) + ": " + String.join("; ", violations));
    }
    return new WorkerEvent(node.get("event").asText(), (ObjectNode) node);
  }

  /** A text field, or null when absent or null. */
  public String text(String key) {
    JsonNode v = json.path(key);
    return v.isTextual() ? v.asText() : null;
  }

  /** A number field, or null when absent or null. */
  public Double number(String key) {
    JsonNode v = json.path(key);
    return v.isNumber() ? v.asDouble() : null;
  }

  /** An integer field, or null when absent or null. */
  public Long integer(String key) {
    JsonNode v = json.path(key);
    return v.isNumber() ? v.asLong() : null;
  }

  static String quote(String line) {
    String cut = line.length() > 200 ? line.substring(0, 197) + "..." : line;
    return "'" + cut + "'";
  }
}
