package io.tunecard.model;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a model's directory without downloading anything: {@code model.base} (or {@code --model})
 * is either a local Hugging Face model directory or a Hub id ({@code org/name}) already in the
 * local Hugging Face cache ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 * $XDG_CACHE_HOME/huggingface/hub} or {@code ~/.cache/huggingface/hub}), where a snapshot lives
 * under {@code models--org--name/snapshots/<revision>/} and {@code refs/main} names the current
 * one. Training, evaluation and {@code tunecard generate} resolve models here, so all fail with the
 * same message when weights are missing.
 */
public final class ModelLocator {
  /** What a model directory must hold for tunecard to train on it. */
  public static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");

  /** {@code org/name}, or a bare {@code name} as the Hub still resolves for old models. */
  private static final String HUB_ID = "[A-Za-z0-9][\\w.-]*(/[\\w.-]+)?";

  private final Map<String, String> env;
  private final Path home;

  public ModelLocator(Map<String, String> env, Path home) {
    this.env = Map.copyOf(env);
    this.home = home;
  }

  /** Uses this process's environment and home directory. */
  public static ModelLocator system() {
    return new ModelLocator(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** {@link #system()}{@code .find(base)}. */
  public static Path resolve(String base) {
    return system().find(base);
  }

  /** Where a model was found, or why not. */
  public record Found(Optional<Path> directory, String reason) {}

  /** The Hugging Face hub cache this locator searches. */
  public Path hubCache() {
    String cache = env.get("HF_HUB_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache);
    }
    String hfHome = env.get("HF_HOME");
    if (hfHome != null && !hfHome.isBlank()) {
      return Path.of(hfHome, "hub");
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cacheRoot = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache");
    return cacheRoot.resolve("huggingface").resolve("hub");
  }

  /**
   * The directory of {@code base}, checked to hold config.json, tokenizer.json and safetensors
   * weights.
   *
   * @throws BadInputException naming what was looked for and where, and the missing files
   */
  public Path find(String base) {
    if (base == null || base.isBlank()) {
      throw new BadInputException("model.base: expected a model directory or a Hub id");
    }
    Path local = Path.of(base);
    if (Files.isDirectory(local)) {
      return checked(local.toAbsolutePath().normalize(), "model.base '" + base + "'");
    }
    if (!base.matches(HUB_ID)) {
      throw new BadInputException(
          "model.base: '"
              + base
              + "' is neither an existing directory nor a Hugging Face Hub id (org/name)");
    }
    Path repo = repo(base);
    Path snapshot =
        snapshots(repo).stream()
            .filter(p -> Files.isRegularFile(p.resolve("config.json")))
            .findFirst()
            .orElse(null);
    if (snapshot == null) {
      throw new BadInputException(
          "model.base: the weights of '"
              + base
              + "' are not present: it is not a local directory and not in the local Hugging Face"
              + " cache (no snapshot in "
              + repo.resolve("snapshots")
              + "). tunecard downloads nothing; fetch them where the Hub is reachable (e.g."
              + " `huggingface-cli download "
              + base
              + "`) and copy the cache here, set HF_HOME or HF_HUB_CACHE to the cache that holds"
              + " them, or set model.base to a local model directory");
    }
    return checked(snapshot, "model.base '" + base + "' (" + snapshot + ")");
  }

  /**
   * The directory of {@code nameOrPath} holding {@code requiredFile} (e.g. {@code config.json}), or
   * why there is none; for commands that need less than a full training base.
   */
  public Found locate(String nameOrPath, String requiredFile) {
    Path local = Path.of(nameOrPath);
    if (Files.isDirectory(local)) {
      return Files.isRegularFile(local.resolve(requiredFile))
          ? new Found(Optional.of(local.toAbsolutePath().normalize()), null)
          : new Found(Optional.empty(), local + ": directory has no " + requiredFile);
    }
    if (!nameOrPath.matches(HUB_ID)) {
      return new Found(
          Optional.empty(), nameOrPath + ": neither a directory nor a Hugging Face Hub id");
    }
    Path repo = repo(nameOrPath);
    for (Path s : snapshots(repo)) {
      if (Files.isRegularFile(s.resolve(requiredFile))) {
        return new Found(Optional.of(s), null);
      }
    }
    return new Found(
        Optional.empty(),
        "no weights for "
            + nameOrPath
            + " in the local Hugging Face cache ("
            + repo
            + (Files.isDirectory(repo) ? " has no snapshot with " + requiredFile : " is missing")
            + "); nothing is downloaded");
  }

  private Path repo(String hubId) {
    return hubCache().resolve("models--" + hubId.replace("/", "--"));
  }

  /** The snapshot refs/main names first, then the others, newest first. */
  private static List<Path> snapshots(Path repo) {
    List<Path> out = new ArrayList<>();
    Path dir = repo.resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try {
      Path ref = repo.resolve("refs").resolve("main");
      if (Files.isRegularFile(ref)) {
        String rev = Files.readString(ref, StandardCharsets.UTF_8).strip();
        Path main = dir.resolve(rev);
        if (!rev.isEmpty() && !rev.contains("/") && Files.isDirectory(main)) {
          out.add(main);
        }
      }
      try (Stream<Path> all = Files.list(dir)) {
        all.filter(Files::isDirectory)
            .filter(p -> !out.contains(p))
            .sorted(Comparator.comparing(ModelLocator::modified).reversed())
            .forEach(out::add);
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static Path checked(Path dir, String what) {
    List<String> missing = new ArrayList<>();
    for (String f : REQUIRED) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        missing.add(f);
      }
    }
    boolean weights =
        Files.isRegularFile(dir.resolve("model.safetensors"))
            || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
    if (!weights) {
      missing.add("model.safetensors (or model.safetensors.index.json with its shards)");
    }
    if (!missing.isEmpty()) {
      throw new BadInputException(
          what + ": incomplete model directory " + dir + "; missing " + String.join(", ", missing));
    }
    return dir;
  }
}
