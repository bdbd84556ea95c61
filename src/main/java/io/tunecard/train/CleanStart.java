package io.tunecard.train;

import io.tunecard.files.AtomicFiles;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Starting a stage clean: its output directories are removed while the run's training lock is held
 * (so a training still running elsewhere is never pulled from under it; that one fails the lock
 * instead), and the stage key, when given, is recorded so that a retry under the same key resumes.
 */
final class CleanStart {
  static final String KEY_FILE = ".stage-key";

  private CleanStart() {}

  /**
   * Empties {@code dirs} when {@code fresh}, or when {@code key} is given and differs from the one
   * recorded in {@code keyDir/.stage-key}; then records {@code key}.
   *
   * @return whether anything was removed
   */
  static boolean apply(RunDirectory run, boolean fresh, String key, Path keyDir, List<Path> dirs)
      throws IOException {
    Path keyFile = keyDir.resolve(KEY_FILE);
    boolean changed = key != null && !key.equals(recorded(keyFile));
    boolean removed = false;
    if (fresh || changed) {
      try (RunDirectoryLock lock = RunDirectoryLock.training(run)) {
        for (Path d : dirs) {
          removed |= empty(d, lock.file());
        }
      }
    }
    if (key != null) {
      Files.createDirectories(keyDir);
      AtomicFiles.writeString(keyFile, key + "\n");
    }
    return removed;
  }

  private static String recorded(Path keyFile) throws IOException {
    return Files.isRegularFile(keyFile) ? Files.readString(keyFile).trim() : null;
  }

  /** Deletes everything under {@code dir} but the lock file (held open); returns whether it did. */
  private static boolean empty(Path dir, Path keep) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    boolean any = false;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (!p.toAbsolutePath().normalize().equals(keep)) {
          AtomicFiles.deleteTree(p);
          any = true;
        }
      }
    }
    if (!dir.toAbsolutePath().normalize().equals(keep.getParent())) {
      Files.deleteIfExists(dir);
    }
    return any;
  }
}
