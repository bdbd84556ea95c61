package io.tunecard.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Loads a workflow file, applies {@code --set key.path=value} overrides and validates it. */
public final class WorkflowLoader {

  /** Canonical JSON of records with workflow key names, for content hashes. */
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private WorkflowLoader() {}

  /** A loaded workflow with the hash of its file's bytes. */
  public record Loaded(Path file, Workflow workflow, String fileSha256, List<String> overrides) {}

  /**
   * Largest workflow file read. A workflow is a few KB (the commented reference workflow is 2.7
   * KB); a larger file is refused before parsing, since YAML parsing time grows with its size.
   */
  public static final int MAX_FILE_BYTES = 256 << 10;

  public static Loaded load(Path file, List<String> overrides) {
    byte[] bytes = readBounded(file);
    JsonNode tree;
    try {
      tree = YamlTree.read(bytes);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new WorkflowException(
          file.toString(), List.of(where + ": not valid YAML: " + e.getOriginalMessage()));
    } catch (YamlTree.TreeException e) {
      throw new WorkflowException(file.toString(), List.of(e.getMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      // SnakeYAML reports some limits (nesting depth, code points) with its own exceptions.
      throw new WorkflowException(file.toString(), List.of("not valid YAML: " + e.getMessage()));
    }
    Workflow w = parse(file.toString(), tree, overrides);
    return new Loaded(file, w, sha256(bytes), List.copyOf(overrides));
  }

  /** The file's bytes, refusing a file larger than {@link #MAX_FILE_BYTES} before reading it. */
  private static byte[] readBounded(Path file) {
    try {
      if (Files.isRegularFile(file) && Files.size(file) > MAX_FILE_BYTES) {
        throw tooLarge(file, Files.size(file));
      }
      try (InputStream in = Files.newInputStream(file)) {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
          throw tooLarge(file, bytes.length);
        }
        return bytes;
      }
    } catch (NoSuchFileException e) {
      throw new WorkflowException(file.toString(), List.of("file not found"));
    } catch (IOException e) {
      throw new WorkflowException(file.toString(), List.of("cannot read: " + e.getMessage()));
    }
  }

  private static WorkflowException tooLarge(Path file, long size) {
    return new WorkflowException(
        file.toString(),
        List.of(
            (size > MAX_FILE_BYTES ? "more than " : "")
                + size
                + " bytes; a workflow file may have at most "
                + MAX_FILE_BYTES
                + " (a workflow is a few KB); refusing to parse it"));
  }

  /** Validates a YAML tree (tests and the figures importer use this directly). */
  public static Workflow parse(String source, JsonNode tree, List<String> overrides) {
    if (tree == null || !tree.isObject()) {
      throw new WorkflowException(source, List.of("expected a YAML mapping at the top level"));
    }
    ObjectNode root = ((ObjectNode) tree).deepCopy();
    List<String> problems = new ArrayList<>();
    for (String o : overrides) {
      applyOverride(root, o, problems);
    }
    if (!problems.isEmpty()) {
      throw new WorkflowException(source, problems);
    }
    Workflow w = new Section("", root, problems).build(Workflow::read);
    if (!problems.isEmpty() || w == null) {
      throw new WorkflowException(source, problems);
    }
    return w;
  }

  public static Workflow parseYaml(String source, String yaml, List<String> overrides) {
    if (yaml.length() > MAX_FILE_BYTES) {
      throw tooLarge(Path.of(source), yaml.length());
    }
    return parse(source, yamlValue(source, yaml), overrides);
  }

  /** YAML text as a tree with aliases resolved; bad YAML is a {@link WorkflowException}. */
  private static JsonNode yamlValue(String source, String yaml) {
    try {
      return YamlTree.read(yaml);
    } catch (JsonProcessingException e) {
      throw new WorkflowException(source, List.of("not valid YAML: " + e.getOriginalMessage()));
    } catch (YamlTree.TreeException e) {
      throw new WorkflowException(source, List.of(e.getMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new WorkflowException(source, List.of("not valid YAML: " + e.getMessage()));
    }
  }

  /**
   * Sets {@code a.b.c=value} in the tree; the value is read as YAML, so {@code 3}, {@code true},
   * {@code null} and {@code [q_proj, v_proj]} have their YAML types. A numeric segment indexes a
   * list ({@code eval.strategies.0.num_beams=2}).
   */
  static void applyOverride(ObjectNode root, String override, List<String> problems) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      problems.add("--set " + override + ": expected key.path=value");
      return;
    }
    String key = override.substring(0, eq).trim();
    JsonNode value;
    try {
      String raw = override.substring(eq + 1);
      value = raw.isEmpty() ? JsonNodeFactory.instance.textNode("") : yamlValue(key, raw);
      if (value == null || value.isMissingNode()) {
        value = JsonNodeFactory.instance.nullNode();
      }
    } catch (WorkflowException e) {
      problems.add("--set " + key + ": value is not valid YAML: " + e.problems().get(0));
      return;
    }
    String[] parts = key.split("\\.");
    JsonNode node = root;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      String at = String.join(".", java.util.Arrays.copyOf(parts, i + 1));
      if (node instanceof ObjectNode obj) {
        if (last) {
          obj.set(part, value);
        } else {
          JsonNode next = obj.get(part);
          if (next == null || next.isNull()) {
            if (parts[i + 1].matches("\\d+")) {
              problems.add("--set " + key + ": " + at + " is not a list in this workflow");
              return;
            }
            next = obj.putObject(part);
          }
          node = next;
        }
      } else if (node instanceof ArrayNode arr && part.matches("\\d+")) {
        int idx = Integer.parseInt(part);
        if (idx >= arr.size()) {
          problems.add("--set " + key + ": " + at + " is past the end of a list of " + arr.size());
          return;
        }
        if (last) {
          arr.set(idx, value);
        } else {
          node = arr.get(idx);
        }
      } else {
        problems.add("--set " + key + ": " + at + " is not a mapping");
        return;
      }
    }
  }

  /** Canonical JSON of any workflow record (sorted keys, workflow key names). */
  public static String canonicalJson(Object value) {
    try {
      return CANONICAL.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
