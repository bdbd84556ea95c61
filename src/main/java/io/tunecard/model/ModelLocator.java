package io.tunecard.model;

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
 * Finds a model's files on this machine without downloading anything: a local directory as given,
 * or a Hub id ({@code org/name}) in the local Hugging Face cache, laid out as {@code
 * huggingface_hub} writes it: {@code <cache>/models--org--name/snapshots/<commit>/}, the commit
 * named by {@code refs/main}. The cache is {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 * {@code ~/.cache/huggingface/hub}.
 */
public final class ModelLocator {
  private final Map<String, String> env;
  private final Path home;

  public ModelLocator(Map<String, String> env, Path home) {
    this.env = Map.copyOf(env);
    this.home = home;
  }

  /** The locator of this process (its environment and user home). */
  public static ModelLocator system() {
    return new ModelLocator(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** Where a model was found, or why not. */
  public record Found(Optional<Path> directory, String reason) {}

  /** The Hugging Face cache this locator reads. */
  public Path hubCache() {
    String hub = env.get("HF_HUB_CACHE");
    if (hub != null && !hub.isBlank()) {
      return Path.of(hub);
    }
    String hfHome = env.get("HF_HOME");
    return hfHome != null && !hfHome.isBlank()
        ? Path.of(hfHome, "hub")
        : home.resolve(".cache/huggingface/hub");
  }

  /**
   * The directory of {@code nameOrPath} holding {@code requiredFile} (e.g. {@code config.json}).
   */
  public Found locate(String nameOrPath, String requiredFile) {
    Path local = Path.of(nameOrPath);
    if (Files.isDirectory(local)) {
      return Files.isRegularFile(local.resolve(requiredFile))
          ? new Found(Optional.of(local.toAbsolutePath().normalize()), null)
          : new Found(Optional.empty(), local + ": directory has no " + requiredFile);
    }
    if (!nameOrPath.matches("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")) {
      return new Found(
          Optional.empty(), nameOrPath + ": neither a directory nor a Hugging Face Hub id");
    }
    Path repo = hubCache().resolve("models--" + nameOrPath.replace("/", "--"));
    List<Path> snapshots = snapshots(repo);
    for (Path s : snapshots) {
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

  /** The snapshot refs/main names first, then the others, newest first. */
  private static List<Path> snapshots(Path repo) {
    List<Path> out = new ArrayList<>();
    Path dir = repo.resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try {
      Path ref = repo.resolve("refs/main");
      if (Files.isRegularFile(ref)) {
        Path main = dir.resolve(Files.readString(ref, StandardCharsets.UTF_8).strip());
        if (Files.isDirectory(main)) {
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
}
