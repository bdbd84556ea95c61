package io.tunecard.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face model directory: one {@code model.safetensors}, or the shards named
 * by {@code model.safetensors.index.json}. Tensors are read one at a time.
 */
public final class Checkpoint implements AutoCloseable {
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";

  private final Path dir;
  private final Map<String, SafetensorsFile> byName;
  private final List<SafetensorsFile> files;

  private Checkpoint(Path dir, Map<String, SafetensorsFile> byName, List<SafetensorsFile> files) {
    this.dir = dir;
    this.byName = byName;
    this.files = files;
  }

  /** Opens {@code dir} (a model directory) or a single {@code .safetensors} file. */
  public static Checkpoint open(Path dir) {
    if (Files.isRegularFile(dir)) {
      return single(dir.getParent(), dir);
    }
    Path index = dir.resolve(INDEX);
    if (Files.isRegularFile(index)) {
      return sharded(dir, index);
    }
    Path single = dir.resolve(SINGLE);
    if (Files.isRegularFile(single)) {
      return single(dir, single);
    }
    throw new BadInputException(
        dir + ": no model weights (expected " + SINGLE + " or " + INDEX + ")");
  }

  private static Checkpoint single(Path dir, Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, SafetensorsFile> byName = new TreeMap<>();
    f.tensors().keySet().forEach(n -> byName.put(n, f));
    return new Checkpoint(dir, byName, List.of(f));
  }

  private static Checkpoint sharded(Path dir, Path index) {
    JsonNode map;
    try {
      map = Jsonl.MAPPER.readTree(index.toFile()).path("weight_map");
    } catch (IOException e) {
      throw new BadInputException(index + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    if (!map.isObject() || map.isEmpty()) {
      throw new BadInputException(index + ": expected a non-empty 'weight_map' object");
    }
    Map<String, SafetensorsFile> open = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byName = new TreeMap<>();
    try {
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String fileName = e.getValue().asText();
        Path shard = dir.resolve(fileName).normalize();
        if (!shard.getParent().equals(dir.normalize()) || !fileName.endsWith(".safetensors")) {
          throw new BadInputException(
              index
                  + ": weight_map['"
                  + e.getKey()
                  + "'] = '"
                  + fileName
                  + "' is not a shard file");
        }
        if (!open.containsKey(fileName)) {
          if (!Files.isRegularFile(shard)) {
            throw new BadInputException(index + ": shard " + fileName + " is missing");
          }
          open.put(fileName, SafetensorsFile.open(shard));
        }
        SafetensorsFile f = open.get(fileName);
        if (!f.tensors().containsKey(e.getKey())) {
          throw new BadInputException(
              shard + ": has no tensor '" + e.getKey() + "' although " + INDEX + " maps it there");
        }
        byName.put(e.getKey(), f);
      }
    } catch (RuntimeException e) {
      open.values().forEach(SafetensorsFile::close);
      throw e;
    }
    return new Checkpoint(dir, byName, new ArrayList<>(open.values()));
  }

  public Path dir() {
    return dir;
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(byName.keySet());
  }

  public boolean has(String name) {
    return byName.containsKey(name);
  }

  public SafetensorsFile fileOf(String name) {
    SafetensorsFile f = byName.get(name);
    if (f == null) {
      throw new BadInputException(dir + ": checkpoint has no tensor '" + name + "'");
    }
    return f;
  }

  public TensorInfo info(String name) {
    return fileOf(name).info(name);
  }

  public NDArray read(String name, NDManager manager, DataType target) {
    return fileOf(name).read(name, manager, target);
  }

  public float[] floats(String name) {
    return fileOf(name).floats(name);
  }

  /**
   * Fails unless the checkpoint holds exactly {@code expected}; the message lists the missing and
   * the unexpected names and the files they were looked for in.
   */
  public void requireExactly(Set<String> expected) {
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(byName.keySet());
    Set<String> unexpected = new TreeSet<>(byName.keySet());
    unexpected.removeAll(expected);
    if (missing.isEmpty() && unexpected.isEmpty()) {
      return;
    }
    StringBuilder msg = new StringBuilder(dir + ": weights do not match the model config");
    if (!missing.isEmpty()) {
      msg.append("; missing ").append(missing.size()).append(": ").append(abbreviate(missing));
    }
    if (!unexpected.isEmpty()) {
      msg.append("; unexpected ").append(unexpected.size()).append(": ");
      msg.append(abbreviate(unexpected)).append(" (in ");
      Set<String> where = new TreeSet<>();
      unexpected.forEach(n -> where.add(byName.get(n).path().getFileName().toString()));
      msg.append(String.join(", ", where)).append(')');
    }
    msg.append("; files: ");
    files.forEach(f -> msg.append(f.path().getFileName()).append(' '));
    throw new BadInputException(msg.toString().trim());
  }

  private static String abbreviate(Set<String> names) {
    List<String> list = new ArrayList<>(names);
    if (list.size() <= 12) {
      return list.toString();
    }
    return list.subList(0, 12) + " and " + (list.size() - 12) + " more";
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
