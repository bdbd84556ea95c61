package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Typed reads from one JSON file of the run directory: an absent or null key reads as null, a value
 * of the wrong type is bad input naming the file and the key's dotted path. Also the few writes the
 * typed files share (a null value is left out, or written as null where the format says so).
 */
final class JsonFields {
  private final Path file;

  JsonFields(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** Writes {@code tree} to {@code file} atomically (temp-then-rename), pretty-printed. */
  static void write(Path file, ObjectNode tree) {
    try {
      AtomicFiles.writeString(file, Jsonl.pretty(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The file's top-level object; a missing file, bad JSON or another value is bad input. */
  static JsonNode readObject(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": not found");
    }
    JsonNode root;
    try {
      root = Jsonl.readTree(file);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    if (!root.isObject()) {
      throw new BadInputException(file + ": expected a JSON object");
    }
    return root;
  }

  BadInputException bad(String message) {
    return new BadInputException(file + ": " + message);
  }

  private BadInputException wrong(String path, String expected, JsonNode v) {
    return bad("key '" + path + "': expected " + expected + ", found " + v);
  }

  private static boolean absent(JsonNode v) {
    return v == null || v.isMissingNode() || v.isNull();
  }

  /** {@code node.key} as an object, or null when absent. */
  JsonNode object(JsonNode node, String key, String path) {
    JsonNode v = node.path(key);
    if (absent(v)) {
      return null;
    }
    if (!v.isObject()) {
      throw wrong(path, "an object", v);
    }
    return v;
  }

  String text(JsonNode node, String key, String path) {
    JsonNode v = node.path(key);
    if (absent(v)) {
      return null;
    }
    if (!v.isValueNode()) {
      throw wrong(path, "a string", v);
    }
    return v.asText();
  }

  Double number(JsonNode node, String key, String path) {
    JsonNode v = node.path(key);
    if (absent(v)) {
      return null;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw wrong(path, "a number", v);
    }
    return v.doubleValue();
  }

  Long longValue(JsonNode node, String key, String path) {
    JsonNode v = node.path(key);
    if (absent(v)) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw wrong(path, "an integer", v);
    }
    return v.longValue();
  }

  Integer integer(JsonNode node, String key, String path) {
    Long l = longValue(node, key, path);
    if (l != null && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE)) {
      throw wrong(path, "an integer in int range", node.path(key));
    }
    return l == null ? null : l.intValue();
  }

  Boolean bool(JsonNode node, String key, String path) {
    JsonNode v = node.path(key);
    if (absent(v)) {
      return null;
    }
    if (!v.isBoolean()) {
      throw wrong(path, "true or false", v);
    }
    return v.booleanValue();
  }

  // Writing: a value that is null is left out (the key is optional), unless written with *OrNull.

  static void put(ObjectNode o, String key, String v) {
    if (v != null) {
      o.put(key, v);
    }
  }

  static void put(ObjectNode o, String key, Number v) {
    if (v instanceof Integer i) {
      o.put(key, i);
    } else if (v instanceof Long l) {
      o.put(key, l);
    } else if (v instanceof Double d) {
      o.put(key, d);
    } else if (v != null) {
      throw new IllegalArgumentException(key + ": unexpected number type " + v.getClass());
    }
  }

  static void put(ObjectNode o, String key, Boolean v) {
    if (v != null) {
      o.put(key, v);
    }
  }

  static void putOrNull(ObjectNode o, String key, String v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, v);
    }
  }

  static void putOrNull(ObjectNode o, String key, Long v) {
    if (v == null) {
      o.putNull(key);
    } else {
      o.put(key, v);
    }
  }
}
