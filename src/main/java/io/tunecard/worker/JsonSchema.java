package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validator for the subset of JSON Schema (draft 2020-12) that the worker protocol files use:
 * {@code type} (also as a list, e.g. {@code ["integer", "null"]}), {@code const}, {@code enum},
 * {@code required}, {@code properties}, {@code additionalProperties: false}, {@code items}, {@code
 * minItems}, {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum}
 * and {@code oneOf}. A schema using any other keyword is refused when loaded, so a rule added to
 * the protocol files can never be silently ignored on the Java side.
 *
 * <p>Violations name the JSON path and what was expected, e.g. {@code $.train.lr: expected a number
 * > 0, found -1}.
 *
 * <p>Longer than most files so that the whole supported subset, and its messages, read in one
 * place.
 */
public final class JsonSchema {
  private static final Set<String> KEYWORDS =
      Set.of(
          "type",
          "const",
          "enum",
          "required",
          "properties",
          "additionalProperties",
          "items",
          "minItems",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "oneOf");
  private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description");

  private final String name;
  private final JsonNode root;

  private JsonSchema(String name, JsonNode root) {
    this.name = name;
    this.root = root;
    checkKeywords(root, "#");
  }

  /** Loads a schema kept beside this class, e.g. {@code spec.schema.json}. */
  public static JsonSchema resource(String fileName) {
    try (InputStream in = JsonSchema.class.getResourceAsStream(fileName)) {
      if (in == null) {
        throw new IllegalStateException("schema " + fileName + " is missing from the classpath");
      }
      return new JsonSchema(fileName, Jsonl.MAPPER.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("schema " + fileName + ": " + e.getMessage(), e);
    }
  }

  public static JsonSchema of(String name, JsonNode schema) {
    return new JsonSchema(name, schema);
  }

  public String name() {
    return name;
  }

  /** Every violation of {@code value}, in document order; empty when it is valid. */
  public List<String> violations(JsonNode value) {
    List<String> out = new ArrayList<>();
    validate(root, value, "$", out);
    return out;
  }

  private void validate(JsonNode schema, JsonNode value, String path, List<String> out) {
    if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
      // a literal too large for a double (5e1214) reads as Infinity: no type ("integer" asks
      // whether it is whole) and no bound can be checked on it
      out.add(path + ": expected a finite number, found " + render(value));
      return;
    }
    if (schema.has("oneOf")) {
      oneOf(schema.get("oneOf"), value, path, out);
      return;
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      out.add(path + ": expected " + describe(schema) + ", found " + render(value));
      return;
    }
    if (value.isNull()) {
      return;
    }
    if (schema.has("const") && !same(schema.get("const"), value)) {
      out.add(path + ": expected " + render(schema.get("const")) + ", found " + render(value));
      return;
    }
    if (schema.has("enum") && !contains(schema.get("enum"), value)) {
      out.add(path + ": expected one of " + list(schema.get("enum")) + ", found " + render(value));
      return;
    }
    if (value.isNumber() && !withinBounds(schema, value.decimalValue())) {
      out.add(path + ": expected " + describe(schema) + ", found " + render(value));
    }
    if (value.isObject()) {
      object(schema, value, path, out);
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        out.add(
            path
                + ": expected at least "
                + schema.get("minItems").asInt()
                + " item(s), found "
                + value.size());
      }
      if (schema.has("items")) {
        for (int i = 0; i < value.size(); i++) {
          validate(schema.get("items"), value.get(i), path + "[" + i + "]", out);
        }
      }
    }
  }

  private void object(JsonNode schema, JsonNode value, String path, List<String> out) {
    JsonNode props = schema.path("properties");
    for (JsonNode req : schema.path("required")) {
      if (!value.has(req.asText())) {
        out.add(path + "." + req.asText() + ": missing (a required key)");
      }
    }
    boolean closed =
        schema.has("additionalProperties") && !schema.get("additionalProperties").asBoolean(true);
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String child = path + "." + field.getKey();
      if (props.has(field.getKey())) {
        validate(props.get(field.getKey()), field.getValue(), child, out);
      } else if (closed) {
        List<String> known = new ArrayList<>();
        props.fieldNames().forEachRemaining(known::add);
        out.add(child + ": unknown key (expected one of " + known + ")");
      }
    }
  }

  /**
   * Exactly one alternative must match. When none does, the alternative whose {@code const}
   * properties (e.g. {@code "event": "metrics"}) match the value is the one the value meant, and
   * its violations are reported; with no such alternative, the discriminating key is named.
   */
  private void oneOf(JsonNode alternatives, JsonNode value, String path, List<String> out) {
    int matching = 0;
    List<List<String>> meant = new ArrayList<>();
    Map<String, Set<String>> discriminators = new LinkedHashMap<>();
    for (JsonNode alt : alternatives) {
      List<String> errors = new ArrayList<>();
      validate(alt, value, path, errors);
      if (errors.isEmpty()) {
        matching++;
      }
      boolean constsMatch = true;
      boolean hasConst = false;
      for (Iterator<Map.Entry<String, JsonNode>> it = alt.path("properties").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        if (p.getValue().has("const")) {
          hasConst = true;
          discriminators
              .computeIfAbsent(p.getKey(), k -> new LinkedHashSet<>())
              .add(p.getValue().get("const").asText());
          constsMatch &= same(p.getValue().get("const"), value.path(p.getKey()));
        }
      }
      if (hasConst && constsMatch) {
        meant.add(errors);
      }
    }
    if (matching == 1) {
      return;
    }
    if (matching > 1) {
      out.add(path + ": matches more than one alternative of the schema");
    } else if (meant.size() == 1) {
      out.addAll(meant.get(0));
    } else if (value.isObject() && !discriminators.isEmpty()) {
      Map.Entry<String, Set<String>> d = discriminators.entrySet().iterator().next();
      out.add(
          path
              + "."
              + d.getKey()
              + ": expected one of "
              + d.getValue()
              + ", found "
              + (value.has(d.getKey()) ? render(value.get(d.getKey())) : "nothing (missing)"));
    } else {
      out.add(path + ": expected one of the schema's alternatives, found " + render(value));
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, value)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      case "number" -> value.isNumber();
      case "integer" -> value.isIntegralNumber() || value.isNumber() && isWhole(value);
      default -> throw new IllegalStateException("unsupported type " + type);
    };
  }

  private static boolean isWhole(JsonNode value) {
    BigDecimal d = value.decimalValue();
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
  }

  private static boolean withinBounds(JsonNode schema, BigDecimal v) {
    return (!schema.has("minimum") || v.compareTo(schema.get("minimum").decimalValue()) >= 0)
        && (!schema.has("maximum") || v.compareTo(schema.get("maximum").decimalValue()) <= 0)
        && (!schema.has("exclusiveMinimum")
            || v.compareTo(schema.get("exclusiveMinimum").decimalValue()) > 0)
        && (!schema.has("exclusiveMaximum")
            || v.compareTo(schema.get("exclusiveMaximum").decimalValue()) < 0);
  }

  /** "a number > 0", "an integer >= 1 or null", "a string". */
  private static String describe(JsonNode schema) {
    List<String> types = new ArrayList<>();
    JsonNode type = schema.path("type");
    if (type.isArray()) {
      type.forEach(t -> types.add(t.asText()));
    } else if (type.isTextual()) {
      types.add(type.asText());
    }
    List<String> bounds = new ArrayList<>();
    bound(schema, "minimum", ">=", bounds);
    bound(schema, "exclusiveMinimum", ">", bounds);
    bound(schema, "maximum", "<=", bounds);
    bound(schema, "exclusiveMaximum", "<", bounds);
    List<String> words = new ArrayList<>();
    for (String t : types) {
      String word =
          switch (t) {
            case "integer" -> "an integer";
            case "object" -> "an object";
            case "array" -> "an array";
            case "null" -> "null";
            default -> "a " + t;
          };
      if ((t.equals("integer") || t.equals("number")) && !bounds.isEmpty()) {
        word += " " + String.join(" and ", bounds);
      }
      words.add(word);
    }
    if (words.isEmpty()) {
      return bounds.isEmpty() ? "a valid value" : "a value " + String.join(" and ", bounds);
    }
    return String.join(" or ", words);
  }

  private static void bound(JsonNode schema, String key, String op, List<String> out) {
    if (schema.has(key)) {
      out.add(op + " " + schema.get(key).asText());
    }
  }

  private static boolean same(JsonNode expected, JsonNode value) {
    if (expected.isNumber() && value.isNumber()) {
      return expected.decimalValue().compareTo(value.decimalValue()) == 0;
    }
    return expected.equals(value);
  }

  private static boolean contains(JsonNode options, JsonNode value) {
    for (JsonNode o : options) {
      if (same(o, value)) {
        return true;
      }
    }
    return false;
  }

  private static String list(JsonNode options) {
    List<String> items = new ArrayList<>();
    options.forEach(o -> items.add(o.isTextual() ? o.asText() : o.toString()));
    return items.toString();
  }

  /** The value as JSON, cut to a readable length. */
  static String render(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "nothing (missing)";
    }
    String text = value.toString();
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }

  private static void checkKeywords(JsonNode schema, String where) {
    if (!schema.isObject()) {
      throw new IllegalStateException("schema at " + where + " is not an object");
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYWORDS.contains(key) && !ANNOTATIONS.contains(key)) {
        throw new IllegalStateException(
            "schema keyword '"
                + key
                + "' at "
                + where
                + " is not supported by "
                + JsonSchema.class.getSimpleName());
      }
    }
    if (schema.has("additionalProperties") && schema.get("additionalProperties").asBoolean(true)) {
      throw new IllegalStateException(
          "schema at " + where + ": only additionalProperties false is supported");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      checkKeywords(p.getValue(), where + "/properties/" + p.getKey());
    }
    if (schema.has("items")) {
      checkKeywords(schema.get("items"), where + "/items");
    }
    int i = 0;
    for (JsonNode alt : schema.path("oneOf")) {
      checkKeywords(alt, where + "/oneOf/" + i++);
    }
  }
}
