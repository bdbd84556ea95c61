package io.tunecard.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Python worker's sources as the stage cache sees them: what {@code pip install
 * ./src/main/python} installs (the package's modules and schemas, and pyproject.toml with its
 * requirements), not what running or installing it leaves beside them ({@code __pycache__/}, {@code
 * build/}, {@code *.egg-info/}), so that a first run of the worker does not make the next run's hf
 * stages look changed.
 */
public final class WorkerSources {
  private static final Set<String> SKIPPED_DIRS = Set.of("__pycache__", "build", "dist");
  private static final List<String> SUFFIXES = List.of(".py", ".json", ".toml");

  private WorkerSources() {}

  /** sha256 over the sorted (relative name, bytes) of the source files under {@code root}. */
  public static String fingerprint(Path root) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      if (Files.isDirectory(root)) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
          files = walk.filter(Files::isRegularFile).filter(p -> counts(root, p)).sorted().toList();
        }
        for (Path p : files) {
          md.update(root.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
          md.update(Files.readAllBytes(p));
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the worker's sources under " + root, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static boolean counts(Path root, Path file) {
    for (Path part : root.relativize(file)) {
      String name = part.toString();
      if (SKIPPED_DIRS.contains(name) || name.endsWith(".egg-info") || name.startsWith(".")) {
        return false;
      }
    }
    String name = file.getFileName().toString();
    return SUFFIXES.stream().anyMatch(name::endsWith);
  }
}
