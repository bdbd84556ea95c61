package io.tunecard.workflow;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * Reads YAML into a Jackson tree with anchors, aliases and merge keys resolved to values. Jackson's
 * own YAML tree reads an alias ({@code *rid}) as a string holding the anchor's name, because it
 * resolves aliases only for objects with identity annotations; a workflow would then carry {@code
 * 'rid'} where the file means {@code o/m}. Here every alias becomes a copy of the value its anchor
 * names, and {@code <<: *base} merges a mapping's keys (keys written beside it win), as YAML 1.1
 * defines. Aliases can multiply a small file into a huge tree, so the total number of values after
 * resolution is bounded.
 */
final class YamlTree {
  /** Values after resolving aliases; a workflow has a few hundred. */
  static final int MAX_VALUES = 100_000;

  private static final String MERGE = "<<";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final Factory FACTORY = new Factory();

  private final Parser parser;
  private final Map<String, JsonNode> anchors = new HashMap<>();
  private long values;

  private YamlTree(Parser parser) {
    this.parser = parser;
  }

  /**
   * Jackson's YAML parser records the anchor of a mapping or a sequence but drops that of a scalar
   * ({@code &rid o/m}); this one also exposes the SnakeYAML event of the current token.
   */
  private static final class Parser extends YAMLParser {
    Parser(IOContext ctxt, int features, int yamlFeatures, LoaderOptions options, Reader reader) {
      super(ctxt, features, yamlFeatures, options, null, reader);
    }

    String anchor() {
      if (_lastEvent instanceof ScalarEvent scalar && _currToken != JsonToken.FIELD_NAME) {
        return scalar.getAnchor();
      }
      return _currentAnchor;
    }
  }

  /** Makes {@link Parser}s, refusing duplicate keys. */
  private static final class Factory extends YAMLFactory {
    private static final long serialVersionUID = 1L;

    Factory() {
      enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) {
      return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, r);
    }

    @Override
    protected YAMLParser _createParser(InputStream in, IOContext ctxt) throws IOException {
      return _createParser(_createReader(in, null, ctxt), ctxt);
    }

    @Override
    protected YAMLParser _createParser(
        char[] data, int offset, int len, IOContext ctxt, boolean recyclable) {
      return _createParser(new CharArrayReader(data, offset, len), ctxt);
    }

    @Override
    protected YAMLParser _createParser(byte[] data, int offset, int len, IOContext ctxt)
        throws IOException {
      return _createParser(_createReader(data, offset, len, null, ctxt), ctxt);
    }
  }

  /** Thrown for YAML that parses but cannot be a workflow tree; the message names the line. */
  static final class TreeException extends Exception {
    private static final long serialVersionUID = 1L;

    TreeException(String message) {
      super(message);
    }
  }

  /** The document in {@code bytes}, or null when it is empty. */
  static JsonNode read(byte[] bytes) throws IOException, TreeException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      return new YamlTree((Parser) p).document();
    }
  }

  /** As {@link #read(byte[])} for text. */
  static JsonNode read(String text) throws IOException, TreeException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return new YamlTree((Parser) p).document();
    }
  }

  private JsonNode document() throws IOException, TreeException {
    JsonToken t = parser.nextToken();
    if (t == null) {
      return null;
    }
    JsonNode root = value(t);
    if (parser.nextToken() != null) {
      throw new TreeException(at() + "more than one YAML document; a workflow is one");
    }
    return root;
  }

  private JsonNode value(JsonToken t) throws IOException, TreeException {
    if (parser.isCurrentAlias()) {
      return alias(parser.getText());
    }
    String anchor = parser.anchor();
    String where = at();
    JsonNode node =
        switch (t) {
          case START_OBJECT -> mapping();
          case START_ARRAY -> sequence();
          case VALUE_STRING -> NODES.textNode(parser.getText());
          case VALUE_NUMBER_INT -> integer();
          case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
          case VALUE_TRUE -> NODES.booleanNode(true);
          case VALUE_FALSE -> NODES.booleanNode(false);
          case VALUE_NULL -> NODES.nullNode();
          default ->
              throw new TreeException(
                  where
                      + "a "
                      + t
                      + " value (a binary or tagged value) has no place in a workflow");
        };
    count(1);
    if (anchor != null) {
      anchors.put(anchor, node);
    }
    return node;
  }

  private JsonNode integer() throws IOException {
    return switch (parser.getNumberType()) {
      case INT -> NODES.numberNode(parser.getIntValue());
      case LONG -> NODES.numberNode(parser.getLongValue());
      default -> NODES.numberNode(parser.getBigIntegerValue());
    };
  }

  private ObjectNode mapping() throws IOException, TreeException {
    ObjectNode o = NODES.objectNode();
    List<JsonNode> merges = new ArrayList<>();
    for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
      if (t != JsonToken.FIELD_NAME) {
        throw new TreeException(at() + "expected a key, found " + t);
      }
      if (parser.isCurrentAlias()) {
        throw new TreeException(at() + "an alias as a key (*" + parser.getText() + ") is refused");
      }
      String key = parser.currentName();
      JsonNode v = value(parser.nextToken());
      if (MERGE.equals(key)) {
        merges.add(v);
      } else {
        o.set(key, v);
      }
    }
    for (JsonNode merge : merges) {
      for (JsonNode m : merge.isArray() ? merge : List.of(merge)) {
        if (!m.isObject()) {
          throw new TreeException(at() + "'<<' merges mappings only, found " + Section.describe(m));
        }
        m.fields().forEachRemaining(e -> o.putIfAbsent(e.getKey(), e.getValue().deepCopy()));
      }
    }
    return o;
  }

  private ArrayNode sequence() throws IOException, TreeException {
    ArrayNode a = NODES.arrayNode();
    for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
      a.add(value(t));
    }
    return a;
  }

  private JsonNode alias(String name) throws TreeException {
    JsonNode target = anchors.get(name);
    if (target == null) {
      throw new TreeException(
          at() + "alias *" + name + " names no anchor (&" + name + ") above it");
    }
    count(size(target, MAX_VALUES + 1L));
    return target.deepCopy();
  }

  private void count(long n) throws TreeException {
    values += n;
    if (values > MAX_VALUES) {
      throw new TreeException(
          at()
              + "more than "
              + MAX_VALUES
              + " values once aliases are resolved; a workflow has a few hundred");
    }
  }

  /** The number of values in {@code node}, counting no further than {@code cap}. */
  private static long size(JsonNode node, long cap) {
    long n = 1;
    for (JsonNode child : node) {
      if (n > cap) {
        break;
      }
      n += size(child, cap - n);
    }
    return n;
  }

  private String at() {
    JsonLocation loc = parser.currentTokenLocation();
    return loc == null || loc.getLineNr() < 1 ? "" : "line " + loc.getLineNr() + ": ";
  }
}
