package io.tunecard.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which files of a repository a pull fetches. {@link #model()} takes what transformers and tunecard
 * load — the configuration and tokenizer files at the top level and the safetensors weights (the
 * shards {@code model.safetensors.index.json} names, else {@code model.safetensors}) — so that
 * Mistral-7B-Instruct-v0.3's second full copy of its weights ({@code consolidated.safetensors}) is
 * not fetched. {@link #dataset()} takes the data files. {@link #globs} takes what {@code
 * fnmatch}-style patterns match, as {@code huggingface_hub}'s {@code allow_patterns} do ({@code *}
 * crosses folders; a pattern ending in {@code /} means everything under it).
 */
public final class Selection {
  /** Small files of a model repository's top level that loading reads. */
  private static final Pattern MODEL_SMALL =
      Pattern.compile("[^/]+\\.(json|txt|model|jinja|tiktoken)");

  /** Data files a dataset source reads. */
  private static final Pattern DATA =
      Pattern.compile(".*\\.(parquet|jsonl|ndjson|csv)", Pattern.CASE_INSENSITIVE);

  static final String INDEX = "model.safetensors.index.json";
  static final String SINGLE = "model.safetensors";

  private final String description;
  private final Function<List<RepoFile>, Set<String>> first;
  private final boolean followsIndex;

  private Selection(
      String description, Function<List<RepoFile>, Set<String>> first, boolean followsIndex) {
    this.description = description;
    this.first = first;
    this.followsIndex = followsIndex;
  }

  /** The configuration, tokenizer and safetensors weights of a transformers model. */
  public static Selection model() {
    return new Selection(
        "the model's configuration, tokenizer and safetensors weights",
        files -> {
          Set<String> out = new TreeSet<>();
          boolean index = false;
          boolean single = false;
          for (RepoFile f : files) {
            index |= f.path().equals(INDEX);
            single |= f.path().equals(SINGLE);
            if (MODEL_SMALL.matcher(f.path()).matches()) {
              out.add(f.path());
            }
          }
          if (!index && single) {
            out.add(SINGLE);
          }
          if (!index && !single) {
            throw new BadInputException(
                "no safetensors weights ("
                    + SINGLE
                    + " or "
                    + INDEX
                    + ") among the repository's files "
                    + names(files)
                    + "; tunecard loads safetensors only (fetch other files with --include)");
          }
          return out;
        },
        true);
  }

  /** The data files (parquet, JSON lines, CSV) of a dataset repository. */
  public static Selection dataset() {
    return new Selection(
        "the data files (parquet, JSON lines, CSV)",
        files -> {
          Set<String> out =
              files.stream()
                  .map(RepoFile::path)
                  .filter(p -> DATA.matcher(p).matches())
                  .collect(Collectors.toCollection(TreeSet::new));
          if (out.isEmpty()) {
            throw new BadInputException(
                "no data files (*.parquet, *.jsonl, *.csv) among the repository's files "
                    + names(files));
          }
          return out;
        },
        false);
  }

  /** What the patterns match; {@code *} alone is the whole repository. */
  public static Selection globs(List<String> patterns) {
    List<Pattern> compiled = patterns.stream().map(Selection::fnmatch).toList();
    return new Selection(
        "files matching " + String.join(", ", patterns),
        files -> {
          Set<String> out = new TreeSet<>();
          for (RepoFile f : files) {
            if (compiled.stream().anyMatch(p -> p.matcher(f.path()).matches())) {
              out.add(f.path());
            }
          }
          if (out.isEmpty()) {
            throw new BadInputException(
                "no file matches " + String.join(", ", patterns) + " among " + names(files));
          }
          return out;
        },
        false);
  }

  public String description() {
    return description;
  }

  /** The paths to fetch first. */
  Set<String> first(List<RepoFile> files) {
    return first.apply(files);
  }

  /**
   * The paths to fetch once the first ones are in {@code snapshot}: the shards the safetensors
   * index names, checked to be files of the repository.
   */
  Set<String> then(List<RepoFile> files, Path snapshot) throws IOException {
    Path index = snapshot.resolve(INDEX);
    if (!followsIndex || !Files.isRegularFile(index)) {
      return Set.of();
    }
    JsonNode map = Jsonl.readTree(index).path("weight_map");
    if (!map.isObject() || map.isEmpty()) {
      throw new BadInputException(INDEX + ": no weight_map");
    }
    Set<String> listed = files.stream().map(RepoFile::path).collect(Collectors.toSet());
    Set<String> shards = new LinkedHashSet<>();
    for (var it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String shard = e.getValue().asText("");
      if (!listed.contains(shard)) {
        throw new BadInputException(
            INDEX + " maps " + e.getKey() + " to '" + shard + "', which the repository lacks");
      }
      shards.add(shard);
    }
    return shards;
  }

  /**
   * Python's {@code fnmatch.translate}: {@code *} any run of characters (slashes too), {@code ?}
   * one, {@code [seq]} and {@code [!seq]} classes; a trailing {@code /} means the folder's files.
   */
  static Pattern fnmatch(String glob) {
    String g = glob.endsWith("/") ? glob + "*" : glob;
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else if (c == '[' && g.indexOf(']', i + 2) > 0) {
        int end = g.indexOf(']', i + 2);
        String body = g.substring(i + 1, end);
        if (body.startsWith("!")) {
          body = "^" + body.substring(1);
        }
        re.append('[').append(body.replace("\\", "\\\\")).append(']');
        i = end;
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  private static String names(List<RepoFile> files) {
    List<String> names = new ArrayList<>(files.stream().map(RepoFile::path).toList());
    String shown = String.join(", ", names.subList(0, Math.min(names.size(), 12)));
    return "[" + shown + (names.size() > 12 ? ", ... " + names.size() + " in all" : "") + "]";
  }

  @Override
  public String toString() {
    return description.toLowerCase(Locale.ROOT);
  }
}
