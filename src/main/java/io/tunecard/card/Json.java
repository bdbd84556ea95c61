package io.tunecard.card;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import java.nio.file.Path;

/** Typed reads from one JSON file; a wrong type is an error naming the file and key. */
final class Json {
  private final Path file;
  private final JsonNode root;

  Json(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  private BadInputException wrong(String key, String expected, JsonNode v) {
    return new BadInputException(
        file + ": key '" + key + "': expected " + expected + ", found " + v);
  }

  String requiredText(String key) {
    String s = text(root, key);
    if (s == null) {
      throw new BadInputException(file + ": key '" + key + "' is required");
    }
    return s;
  }

  String textOr(String key, String fallback) {
    String s = text(root, key);
    return s == null ? fallback : s;
  }

  String textOr(JsonNode node, String key, String fallback) {
    String s = text(node, key);
    return s == null ? fallback : s;
  }

  /**
   * The text at {@code node.key} (key may be a dotted path for messages; the last part is read).
   */
  String text(JsonNode node, String key) {
    JsonNode v = node.path(last(key));
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw wrong(key, "a string", v);
    }
    return v.asText();
  }

  Double number(JsonNode node, String key) {
    JsonNode v = node.path(last(key));
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw wrong(key, "a number", v);
    }
    return v.doubleValue();
  }

  Long longValue(JsonNode node, String key) {
    JsonNode v = node.path(last(key));
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw wrong(key, "an integer", v);
    }
    return v.longValue();
  }

  Integer integer(JsonNode node, String key) {
    Long l = longValue(node, key);
    if (l != null && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE)) {
      throw wrong(key, "an integer in int range", node.path(last(key)));
    }
    return l == null ? null : l.intValue();
  }

  Boolean bool(JsonNode node, String key) {
    JsonNode v = node.path(last(key));
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw wrong(key, "true or false", v);
    }
    return v.booleanValue();
  }

  private static String last(String key) {
    return key.substring(key.lastIndexOf('.') + 1);
  }
}
