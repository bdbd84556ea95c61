package io.tunecard.rundir;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What interrupted writes leave in a run directory: the staging folders and temporary files of
 * {@link AtomicFiles} ({@code .dataset.tmp-<uuid>/}, {@code .metrics.json.tmp-<uuid>}) and of the
 * Python worker ({@code .tmp-step-<N>-<pid>/}, {@code .<name>.tmp-<pid>}). Only the holder of the
 * run's lock removes them: no other writer can be filling them then.
 */
final class Leftovers {
  private static final Pattern NAME =
      Pattern.compile("\\..+\\.tmp-[0-9A-Fa-f-]+|\\.tmp-step-\\d+-\\d+");

  private Leftovers() {}

  /** Removes every leftover under {@code root}; returns their paths relative to it. */
  static List<String> remove(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    collect(root, found);
    List<String> removed = new ArrayList<>();
    for (Path p : found) {
      AtomicFiles.deleteTree(p);
      removed.add(root.relativize(p).toString().replace('\\', '/'));
    }
    return removed;
  }

  private static void collect(Path dir, List<Path> found) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = s.sorted().toList();
    }
    for (Path p : children) {
      if (Files.isSymbolicLink(p)) {
        continue;
      }
      if (NAME.matcher(p.getFileName().toString()).matches()) {
        found.add(p);
      } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        collect(p, found);
      }
    }
  }
}
