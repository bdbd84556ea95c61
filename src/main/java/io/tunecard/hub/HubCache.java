package io.tunecard.hub;

import io.tunecard.files.SafePaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache, laid out exactly as {@code huggingface_hub} lays it out, so that a
 * repository tunecard pulled loads in transformers with {@code HF_HUB_OFFLINE=1} and one that
 * transformers downloaded is found here without a second copy:
 *
 * <pre>
 * {root}/models--org--name/blobs/{etag}                 the bytes (etag: LFS sha256 or git blob id)
 *                         /snapshots/{commit}/{path}     relative symbolic link to ../../blobs/{etag}
 *                         /refs/{revision}               the commit the revision pointed at
 * {root}/.locks/models--org--name/{etag}.lock            one download of a blob at a time
 * </pre>
 *
 * <p>The root is {@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else {@code
 * $XDG_CACHE_HOME/huggingface/hub} or {@code ~/.cache/huggingface/hub}.
 */
public record HubCache(Path root) {
  public HubCache {
    if (root == null) {
      throw new IllegalArgumentException("root: missing");
    }
  }

  /** The cache {@code env} names ({@code System.getenv()}, or a test's map). */
  public static HubCache fromEnvironment(Map<String, String> env, Path home) {
    for (String key : List.of("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")) {
      String v = env.get(key);
      if (v != null && !v.isBlank()) {
        return new HubCache(Path.of(v));
      }
    }
    String hfHome = env.get("HF_HOME");
    if (hfHome != null && !hfHome.isBlank()) {
      return new HubCache(Path.of(hfHome, "hub"));
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cacheRoot = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache");
    return new HubCache(cacheRoot.resolve("huggingface").resolve("hub"));
  }

  public static HubCache system() {
    return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  public Path repo(RepoRef ref) {
    return root.resolve(ref.folder());
  }

  Path blobs(RepoRef ref) {
    return repo(ref).resolve("blobs");
  }

  Path blob(RepoRef ref, String etag) {
    return blobs(ref).resolve(etag);
  }

  /** Where a blob grows while it downloads; a later pull resumes it. */
  Path incomplete(RepoRef ref, String etag) {
    return blobs(ref).resolve(etag + ".incomplete");
  }

  Path lock(RepoRef ref, String etag) {
    return root.resolve(".locks").resolve(ref.folder()).resolve(etag + ".lock");
  }

  public Path snapshot(RepoRef ref, String commit) {
    return repo(ref).resolve("snapshots").resolve(commit);
  }

  /** The commit {@code ref}'s revision points at here, if the cache knows it. */
  public Optional<String> commit(RepoRef ref) {
    if (ref.pinned()) {
      return Optional.of(ref.revision());
    }
    Path file = repo(ref).resolve("refs").resolve(ref.revision());
    try {
      if (Files.isRegularFile(file)) {
        // A commit id normally; any single safe name is taken, as huggingface_hub takes it.
        String commit = Files.readString(file, StandardCharsets.UTF_8).strip();
        boolean safe =
            !commit.isEmpty()
                && !commit.contains("/")
                && !commit.contains("\\")
                && !commit.equals(".")
                && !commit.equals("..");
        return safe ? Optional.of(commit) : Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** The snapshot folder of {@code ref}'s revision, when it exists. */
  public Optional<Path> snapshot(RepoRef ref) {
    return commit(ref).map(c -> snapshot(ref, c)).filter(Files::isDirectory);
  }

  /**
   * Every snapshot of the repository: the one {@code ref}'s revision names first, then the others,
   * newest first (a cache copied without its refs still has snapshots).
   */
  public List<Path> snapshots(RepoRef ref) {
    List<Path> out = new ArrayList<>();
    snapshot(ref).ifPresent(out::add);
    Path dir = repo(ref).resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> all = Files.list(dir)) {
      all.filter(Files::isDirectory)
          .filter(p -> !out.contains(p))
          .sorted(Comparator.comparing(HubCache::modified).reversed())
          .forEach(out::add);
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

  /** Records that {@code ref}'s revision is {@code commit} (nothing for a pinned commit). */
  void writeRef(RepoRef ref, String commit) throws IOException {
    if (ref.pinned()) {
      return;
    }
    Path file = SafePaths.inside(repo(ref).resolve("refs"), ref.revision(), "revision");
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Files.writeString(tmp, commit, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * {@code path} as the tree listing gave it, refused when it could leave the snapshot: absolute,
   * with {@code ..}, {@code .} or empty segments, a backslash or a NUL.
   */
  static String checkedPath(String path, RepoRef ref) {
    boolean bad =
        path == null
            || path.isEmpty()
            || path.startsWith("/")
            || path.indexOf('\\') >= 0
            || path.indexOf('\0') >= 0;
    if (!bad) {
      for (String seg : path.split("/", -1)) {
        bad |= seg.isEmpty() || seg.equals(".") || seg.equals("..");
      }
    }
    if (bad) {
      throw new HubException(
          ref.label() + ": the Hub lists a file named '" + path + "', which is not a safe path", 0);
    }
    return path;
  }

  /**
   * Points {@code snapshots/{commit}/{path}} at the blob with a relative symbolic link, replacing
   * whatever was there in one rename, so a reader sees the old entry or the new one.
   */
  Path link(RepoRef ref, String commit, String path, String etag) throws IOException {
    Path snapshot = snapshot(ref, commit);
    Path target = snapshot.resolve(checkedPath(path, ref));
    Files.createDirectories(target.getParent());
    Path relative = target.getParent().relativize(blob(ref, etag));
    if (Files.isSymbolicLink(target) && Files.readSymbolicLink(target).equals(relative)) {
      return target;
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createSymbolicLink(tmp, relative);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + tmp + ": it exists", e);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return target;
  }
}
