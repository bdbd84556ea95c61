package io.tunecard.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The staging folders of one stage run (or of one pipeline holding several stages): each is made
 * beside the folder it will replace ({@link AtomicFiles#stagingDirectory}), filled, and then
 * published over its target by the stage; closing removes whatever is left, so a failed run leaves
 * the previous {@code dataset/} or {@code eval/} untouched and no staging folder behind.
 */
public final class Stagings implements AutoCloseable {
  private final List<Path> made = new ArrayList<>();

  /** A new hidden, uniquely named folder beside {@code target}, removed on {@link #close}. */
  public Path beside(Path target) {
    try {
      Path staging = AtomicFiles.stagingDirectory(target);
      made.add(staging);
      return staging;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + target.getParent() + ": " + e, e);
    }
  }

  @Override
  public void close() {
    for (Path staging : made) {
      try {
        AtomicFiles.deleteTree(staging);
      } catch (IOException e) {
        // A hidden, uniquely named leftover does the run no harm; the next holder of the run's
        // lock removes it (rundir.Leftovers).
      }
    }
  }
}
