package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.DisallowUnknownKeywordFactory;
import com.networknt.schema.path.NodePath;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A JSON Schema (draft 2020-12) of the worker protocol, checked by networknt's
 * json-schema-validator. A schema using a keyword the draft does not define is refused when loaded,
 * so a misspelt rule in the protocol files can never be silently ignored on the Java side.
 *
 * <p>Violations name the JSON path and what was expected, e.g. {@code $.train.lr: expected a number
 * > 0, found -1}, in document order. For a {@code oneOf} whose alternatives carry a {@code const}
 * (e.g. {@code "event": "metrics"}), only the violations of the alternative the value meant are
 * reported. A number too large for a double ({@code 5e1214} reads as Infinity) is a violation,
 * "expected a finite number".
 *
 * <p>The library works on Jackson 3 trees; values are copied into one before they are checked.
 */
public final class JsonSchema {
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDialect(
          Dialect.builder(Dialects.getDraft202012())
              .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
              .build(),
          // the library's own messages (keywords tunecard has no words for) in English
          registry ->
              registry.schemaRegistryConfig(
                  SchemaRegistryConfig.builder().locale(Locale.ENGLISH).build()));
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String name;
  private final JsonNode root;
  private final Schema schema;

  private JsonSchema(String name, JsonNode root) {
    this.name = name;
    this.root = root;
    try {
      this.schema = REGISTRY.getSchema(toJackson3(root, List.of(), new ArrayList<>()));
    } catch (SchemaException e) {
      throw new IllegalStateException("schema " + name + ": " + e.getMessage(), e);
    }
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
    List<Violation> out = new ArrayList<>();
    // a literal too large for a double (5e1214) reads as Infinity: no type ("integer" asks
    // whether it is whole) and no bound can be checked on it, so the library sees null there
    List<List<Object>> infinite = new ArrayList<>();
    List<Error> errors = schema.validate(toJackson3(value, new ArrayList<>(), infinite));
    for (List<Object> at : infinite) {
      out.add(Violation.at(at, "expected a finite number, found " + find(value, at).asText()));
    }
    Set<String> dropped = new LinkedHashSet<>();
    for (Error e : errors) {
      if ("oneOf".equals(e.getKeyword()) && !droppedBy(e.getEvaluationPath(), dropped)) {
        oneOf(e, value, dropped, out);
      }
    }
    for (Error e : errors) {
      List<Object> at = elements(e.getInstanceLocation());
      if (!"oneOf".equals(e.getKeyword())
          && !infinite.contains(at)
          && !droppedBy(e.getEvaluationPath(), dropped)) {
        out.add(message(e, at, value));
      }
    }
    Map<List<Object>, List<Violation>> byNode = new LinkedHashMap<>();
    for (Violation v : out) {
      byNode.computeIfAbsent(v.missing() ? parent(v.at()) : v.at(), k -> new ArrayList<>()).add(v);
    }
    Set<String> messages = new LinkedHashSet<>();
    inDocumentOrder(value, new ArrayList<>(), byNode, messages);
    byNode.values().forEach(left -> inOrder(left, messages));
    return List.copyOf(messages);
  }

  /**
   * One violation: the path it names, whether that key is missing (its parent object is there), and
   * what was expected and found.
   */
  private record Violation(List<Object> at, boolean missing, String text) {
    static Violation at(List<Object> at, String text) {
      return new Violation(at, false, text);
    }
  }

  /** Each node's own violations, then its missing keys, then its keys and items in order. */
  private static void inDocumentOrder(
      JsonNode node, List<Object> at, Map<List<Object>, List<Violation>> byNode, Set<String> out) {
    List<Violation> here = byNode.remove(at);
    if (here != null) {
      inOrder(here, out);
    }
    if (byNode.isEmpty()) {
      return;
    }
    if (node.isObject()) {
      node.fieldNames()
          .forEachRemaining(k -> inDocumentOrder(node.get(k), child(at, k), byNode, out));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        inDocumentOrder(node.get(i), child(at, i), byNode, out);
      }
    }
  }

  private static void inOrder(List<Violation> violations, Set<String> out) {
    violations.stream()
        .filter(v -> !v.missing())
        .forEach(v -> out.add(path(v.at()) + ": " + v.text()));
    violations.stream()
        .filter(Violation::missing)
        .forEach(v -> out.add(path(v.at()) + ": " + v.text()));
  }

  /** The library's error in tunecard's words: what was expected, and what was found. */
  private Violation message(Error e, List<Object> at, JsonNode value) {
    List<Object> keywordAt = elements(e.getSchemaLocation().getFragment());
    JsonNode keywordNode = find(root, keywordAt);
    JsonNode owner = find(root, parent(keywordAt));
    JsonNode found = find(value, at);
    if (keywordNode.isMissingNode()) {
      return Violation.at(at, e.getMessage());
    }
    return switch (String.valueOf(e.getKeyword())) {
      case "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" ->
          Violation.at(at, "expected " + describe(owner) + ", found " + render(found));
      case "const" ->
          Violation.at(at, "expected " + render(keywordNode) + ", found " + render(found));
      case "enum" ->
          Violation.at(at, "expected one of " + list(keywordNode) + ", found " + render(found));
      case "minItems" -> // minItems applies to arrays only
          Violation.at(at, "expected at least " + keywordNode + " item(s), found " + found.size());
      case "required" ->
          new Violation(child(at, e.getProperty()), true, "missing (a required key)");
      case "additionalProperties" -> {
        List<String> known = new ArrayList<>();
        owner.path("properties").fieldNames().forEachRemaining(known::add);
        yield Violation.at(
            child(at, e.getProperty()), "unknown key (expected one of " + known + ")");
      }
      default -> Violation.at(at, e.getMessage());
    };
  }

  /**
   * A failed {@code oneOf}. When no alternative holds, the one whose {@code const} properties (e.g.
   * {@code "event": "metrics"}) match the value is the one the value meant: only its violations are
   * kept. With no such alternative, the discriminating key is named.
   */
  private void oneOf(Error e, JsonNode value, Set<String> dropped, List<Violation> out) {
    List<Object> at = elements(e.getInstanceLocation());
    JsonNode instance = find(value, at);
    JsonNode alternatives = find(root, elements(e.getSchemaLocation().getFragment()));
    String evaluation = e.getEvaluationPath().toString();
    List<Integer> meant = new ArrayList<>();
    Map<String, Set<String>> discriminators = new LinkedHashMap<>();
    for (int i = 0; i < alternatives.size(); i++) {
      boolean constsMatch = true;
      boolean hasConst = false;
      for (Iterator<Map.Entry<String, JsonNode>> it =
              alternatives.get(i).path("properties").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        if (p.getValue().has("const")) {
          hasConst = true;
          discriminators
              .computeIfAbsent(p.getKey(), k -> new LinkedHashSet<>())
              .add(p.getValue().get("const").asText());
          constsMatch &= same(p.getValue().get("const"), instance.path(p.getKey()));
        }
      }
      if (hasConst && constsMatch) {
        meant.add(i);
      }
    }
    if (!"oneOf".equals(e.getMessageKey())) {
      // more than one alternative holds: what the others say about the value does not matter
      dropped.add(evaluation + "/");
      out.add(Violation.at(at, "matches more than one alternative of the schema"));
      return;
    }
    if (meant.size() == 1) {
      for (int i = 0; i < alternatives.size(); i++) {
        if (i != meant.get(0)) {
          dropped.add(evaluation + "/" + i + "/");
        }
      }
      return;
    }
    dropped.add(evaluation + "/");
    if (instance.isObject() && !discriminators.isEmpty()) {
      Map.Entry<String, Set<String>> d = discriminators.entrySet().iterator().next();
      JsonNode key = instance.path(d.getKey());
      out.add(
          new Violation(
              child(at, d.getKey()),
              key.isMissingNode(),
              "expected one of " + d.getValue() + ", found " + render(key)));
    } else {
      out.add(
          Violation.at(at, "expected one of the schema's alternatives, found " + render(instance)));
    }
  }

  private static boolean droppedBy(NodePath evaluation, Set<String> dropped) {
    String path = evaluation.toString() + "/";
    return dropped.stream().anyMatch(path::startsWith);
  }

  /** The keys and indexes of a path, e.g. [train, lr] or [strategies, 0, name]. */
  private static List<Object> elements(NodePath path) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < path.getNameCount(); i++) {
      out.add(path.getElement(i));
    }
    return out;
  }

  private static List<Object> parent(List<Object> path) {
    return path.isEmpty() ? path : path.subList(0, path.size() - 1);
  }

  /** The node at {@code path}, or a missing node. */
  private static JsonNode find(JsonNode node, List<Object> path) {
    for (Object step : path) {
      node = step instanceof Integer i ? node.path(i) : node.path(step.toString());
    }
    return node;
  }

  /** "$", "$.train.lr", "$.generate.strategies[0].name". */
  private static String path(List<Object> elements) {
    StringBuilder out = new StringBuilder("$");
    for (Object e : elements) {
      out.append(e instanceof Integer i ? "[" + i + "]" : "." + e);
    }
    return out.toString();
  }

  /**
   * A copy of {@code value} as a Jackson 3 tree for the library. A number that is not finite
   * becomes null there, and its path goes to {@code infinite}.
   */
  private static tools.jackson.databind.JsonNode toJackson3(
      JsonNode value, List<Object> at, List<List<Object>> infinite) {
    if (value.isObject()) {
      tools.jackson.databind.node.ObjectNode out = NODES.objectNode();
      value
          .fieldNames()
          .forEachRemaining(k -> out.set(k, toJackson3(value.get(k), child(at, k), infinite)));
      return out;
    }
    if (value.isArray()) {
      tools.jackson.databind.node.ArrayNode out = NODES.arrayNode();
      for (int i = 0; i < value.size(); i++) {
        out.add(toJackson3(value.get(i), child(at, i), infinite));
      }
      return out;
    }
    return switch (value.getNodeType()) {
      case STRING -> NODES.stringNode(value.textValue());
      case BOOLEAN -> NODES.booleanNode(value.booleanValue());
      case NUMBER -> number(value, at, infinite);
      case NULL -> NODES.nullNode();
      // binary and POJO nodes come from no parser; the library checks them as their text
      default -> NODES.stringNode(value.asText());
    };
  }

  private static tools.jackson.databind.JsonNode number(
      JsonNode value, List<Object> at, List<List<Object>> infinite) {
    if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
      infinite.add(List.copyOf(at));
      return NODES.nullNode();
    }
    return switch (value.numberType()) {
      case INT -> NODES.numberNode(value.intValue());
      case LONG -> NODES.numberNode(value.longValue());
      case BIG_INTEGER -> NODES.numberNode(value.bigIntegerValue());
      case FLOAT -> NODES.numberNode(value.floatValue());
      case DOUBLE -> NODES.numberNode(value.doubleValue());
      case BIG_DECIMAL -> NODES.numberNode(value.decimalValue());
    };
  }

  private static List<Object> child(List<Object> at, Object step) {
    List<Object> out = new ArrayList<>(at.size() + 1);
    out.addAll(at);
    out.add(step);
    return out;
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
      return Double.isFinite(value.doubleValue())
          && expected.decimalValue().compareTo(value.decimalValue()) == 0;
    }
    return expected.equals(value);
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
}
