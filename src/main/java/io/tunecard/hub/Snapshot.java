package io.tunecard.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A repository's files at one commit in the cache, and their digests: what a run records in {@code
 * manifest.json} so that a rerun elsewhere pulls exactly the same bytes ({@code
 * org/name@<commit>}).
 *
 * @param ref the repository and the revision that was asked for
 * @param commit the commit that revision resolved to
 * @param directory {@code snapshots/<commit>/}
 * @param files the files used, sorted by path
 */
public record Snapshot(RepoRef ref, String commit, Path directory, List<Entry> files) {
  /**
   * One file.
   *
   * @param sha256 the content's sha256
   */
  public record Entry(String path, long size, String sha256) {}

  public Snapshot {
    files = List.copyOf(files);
  }

  /**
   * The snapshot as the cache holds it, with the files {@code selection} takes from it. A blob
   * named by a 64-hex etag is an LFS file whose name is its sha256 (verified when it was
   * downloaded); the others (small regular files, or a cache filled by copying) are hashed here.
   */
  public static Snapshot local(RepoRef ref, String commit, Path directory, Selection selection) {
    try {
      List<RepoFile> present = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(directory)) {
        for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
          String rel = directory.relativize(p).toString().replace('\\', '/');
          if (!rel.startsWith(".")) {
            present.add(new RepoFile(rel, Files.size(p), "0".repeat(40), null));
          }
        }
      }
      List<Entry> entries = new ArrayList<>();
      for (String path : selected(present, directory, selection)) {
        Path p = directory.resolve(path);
        String sha256 = null;
        if (Files.isSymbolicLink(p)) {
          String blob = Files.readSymbolicLink(p).getFileName().toString();
          sha256 = RepoFile.isHex(blob, 64) ? blob : null;
        }
        entries.add(new Entry(path, Files.size(p), sha256 != null ? sha256 : Digests.sha256(p)));
      }
      return new Snapshot(ref, commit, directory, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + directory + ": " + e.getMessage(), e);
    }
  }

  private static List<String> selected(List<RepoFile> present, Path dir, Selection selection)
      throws IOException {
    List<String> out = new ArrayList<>(selection.first(present));
    for (String extra : selection.then(present, dir)) {
      if (!out.contains(extra)) {
        out.add(extra);
      }
    }
    return out.stream().sorted().toList();
  }
}
