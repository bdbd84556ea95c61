package io.tunecard.model;

import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finds a base model's directory without downloading anything: {@code model.base} is either a local
 * Hugging Face model directory or a Hub id ({@code org/name}) already in the local Hugging Face
 * cache ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}),
 * where a snapshot lives under {@code models--org--name/snapshots/<revision>/} and {@code
 * refs/main} names the current one. Training and evaluation resolve bases here, so both fail with
 * the same message when weights are missing.
 */
public final class ModelLocator {
  /** What a model directory must hold for tunecard to load it. */
  public static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");

  private final Map<String, String> env;
  private final Path home;

  ModelLocator(Map<String, String> env, Path home) {
    this.env = env;
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
    if (!base.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
      throw new BadInputException(
          "model.base: '"
              + base
              + "' is neither an existing directory nor a Hugging Face Hub id (org/name)");
    }
    Path repo = hubCache().resolve("models--" + base.replace("/", "--"));
    Path snapshots = repo.resolve("snapshots");
    Path snapshot = snapshot(repo, snapshots);
    if (snapshot == null) {
      throw new BadInputException(
          "model.base: the weights of '"
              + base
              + "' are not present: it is not a local directory and not in the local Hugging Face"
              + " cache (no snapshot in "
              + snapshots
              + "). tunecard downloads nothing; fetch them where the Hub is reachable (e.g."
              + " `huggingface-cli download "
              + base
              + "`) and copy the cache here, set HF_HOME or HF_HUB_CACHE to the cache that holds"
              + " them, or set model.base to a local model directory");
    }
    return checked(snapshot, "model.base '" + base + "' (" + snapshot + ")");
  }

  /** The snapshot {@code refs/main} names, else the newest one holding a config.json. */
  private static Path snapshot(Path repo, Path snapshots) {
    Path ref = repo.resolve("refs").resolve("main");
    if (Files.isRegularFile(ref)) {
      try {
        String rev = Files.readString(ref).trim();
        Path p = snapshots.resolve(rev);
        if (!rev.isEmpty() && !rev.contains("/") && Files.isDirectory(p)) {
          return p;
        }
      } catch (IOException e) {
        // An unreadable ref: fall back to the snapshots that are there.
      }
    }
    if (!Files.isDirectory(snapshots)) {
      return null;
    }
    try (Stream<Path> s = Files.list(snapshots)) {
      return s.filter(p -> Files.isRegularFile(p.resolve("config.json")))
          .max(Comparator.comparing(ModelLocator::modified))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
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
