package io.tunecard.model;

import io.tunecard.files.BadInputException;
import io.tunecard.hub.HubCache;
import io.tunecard.hub.RepoRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a model's directory without downloading anything: {@code model.base} (or {@code --model})
 * is either a local Hugging Face model directory or a Hub id ({@code org/name}, or {@code
 * org/name@revision}) in the local Hugging Face cache ({@link HubCache}: the layout huggingface_hub
 * and {@code tunecard pull} write), where a snapshot lives under {@code
 * models--org--name/snapshots/<commit>/} and {@code refs/<revision>} names the current one. For
 * {@code main}, a cache copied without its refs is searched too, newest snapshot first. Training,
 * evaluation and {@code tunecard generate} resolve models here (after the commands pulled what was
 * missing, unless offline), so all fail with the same message when weights are missing.
 */
public final class ModelLocator {
  /** What a model directory must hold for tunecard to train on it. */
  public static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");

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
    return cache().root();
  }

  private HubCache cache() {
    return HubCache.fromEnvironment(env, home);
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
    if (!RepoRef.looksLikeId(base)) {
      throw new BadInputException(
          "model.base: '"
              + base
              + "' is neither an existing directory nor a Hugging Face Hub id (org/name)");
    }
    RepoRef ref = RepoRef.parse(RepoRef.Type.MODEL, base, "model.base");
    Path repo = cache().repo(ref);
    Path snapshot =
        snapshots(ref).stream()
            .filter(p -> Files.isRegularFile(p.resolve("config.json")))
            .findFirst()
            .orElse(null);
    if (snapshot == null) {
      throw new BadInputException(
          "model.base: the weights of '"
              + base
              + "' are not present: it is not a local directory and not in the local Hugging Face"
              + " cache (no snapshot"
              + (ref.revision().equals(RepoRef.MAIN) ? "" : " of revision " + ref.revision())
              + " in "
              + repo.resolve("snapshots")
              + "). Offline (--offline, HF_HUB_OFFLINE=1) tunecard downloads nothing: run"
              + " `tunecard pull "
              + base
              + "` where the Hub is reachable and copy the cache here, set HF_HOME or HF_HUB_CACHE"
              + " to the cache that holds them, or set model.base to a local model directory");
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
    if (!RepoRef.looksLikeId(nameOrPath)) {
      return new Found(
          Optional.empty(), nameOrPath + ": neither a directory nor a Hugging Face Hub id");
    }
    RepoRef ref;
    try {
      ref = RepoRef.parse(RepoRef.Type.MODEL, nameOrPath, "model");
    } catch (BadInputException e) {
      return new Found(Optional.empty(), e.getMessage());
    }
    Path repo = cache().repo(ref);
    for (Path s : snapshots(ref)) {
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
            + "); offline, nothing is downloaded (`tunecard pull "
            + nameOrPath
            + "` fetches it)");
  }

  /** The snapshots to search: the revision's; for main also the others, newest first. */
  private List<Path> snapshots(RepoRef ref) {
    return ref.revision().equals(RepoRef.MAIN)
        ? cache().snapshots(ref)
        : cache().snapshot(ref).stream().toList();
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
