package io.tunecard.rundir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a finished stage wrote, as manifest.json records it ({@code stages.<stage>.outputs}: each
 * file's size, modification time and sha256, by its path relative to the run directory), and the
 * check of that record against the files on disk before the stage's output is reused.
 *
 * <p>The check is cheap by default: a file whose size and modification time are as recorded is
 * taken as unchanged; one whose size differs has changed; one whose time alone differs is hashed.
 * {@code deep} hashes every file. A stage's outputs are files or folders; every regular file under
 * them counts, except hidden ones (locks, temporary files of an interrupted write), and a file the
 * stage did not write is a difference too.
 */
public final class StageOutputs {
  private StageOutputs() {}

  /** The record of every file under {@code outputs}, hashed now. */
  public static SortedMap<String, ManifestFile.Output> record(Path runRoot, List<Path> outputs) {
    SortedMap<String, ManifestFile.Output> record = new TreeMap<>();
    for (Map.Entry<String, Path> f : files(runRoot, outputs).entrySet()) {
      Path p = f.getValue();
      record.put(f.getKey(), new ManifestFile.Output(size(p), mtime(p), CodeVersion.ofPath(p)));
    }
    return record;
  }

  /**
   * How the files on disk differ from {@code recorded}, one line each ("dataset/train.jsonl changed
   * (...)"); empty when they match.
   *
   * @param recorded the stage's {@code outputs} (null for a stage recorded without them)
   * @param deep hash every file, whatever its size and time
   */
  public static List<String> differences(
      Path runRoot, Map<String, ManifestFile.Output> recorded, List<Path> outputs, boolean deep) {
    if (recorded == null) {
      return List.of("its outputs were not recorded");
    }
    SortedMap<String, Path> actual = files(runRoot, outputs);
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, ManifestFile.Output> e : recorded.entrySet()) {
      String name = e.getKey();
      ManifestFile.Output stamp = e.getValue();
      Path p = actual.remove(name);
      if (p == null) {
        out.add(name + " is missing");
        continue;
      }
      long size = size(p);
      long recordedSize = stamp.size() == null ? -1 : stamp.size();
      if (size != recordedSize) {
        out.add(name + " changed (" + size + " bytes, recorded " + recordedSize + ")");
        continue;
      }
      if (!deep && stamp.mtimeNs() != null && mtime(p) == stamp.mtimeNs()) {
        continue;
      }
      String sha = CodeVersion.ofPath(p);
      String recordedSha = stamp.sha256() == null ? "" : stamp.sha256();
      if (!sha.equals(recordedSha)) {
        out.add(
            name
                + " changed (sha256 "
                + sha.substring(0, 12)
                + "..., recorded "
                + (recordedSha.length() >= 12 ? recordedSha.substring(0, 12) + "..." : "none")
                + ")");
      }
    }
    actual.keySet().forEach(name -> out.add(name + " was not written by this stage"));
    return out;
  }

  /** Every regular, non-hidden file under {@code outputs}, by path relative to the run. */
  static SortedMap<String, Path> files(Path runRoot, List<Path> outputs) {
    Path root = runRoot.toAbsolutePath().normalize();
    SortedMap<String, Path> files = new TreeMap<>();
    for (Path output : outputs) {
      Path abs = output.toAbsolutePath().normalize();
      if (Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)) {
        files.put(name(root, abs), abs);
      } else if (Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> walk = Files.walk(abs)) {
          walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .filter(p -> !hidden(abs, p))
              .forEach(p -> files.put(name(root, p), p));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + abs + ": " + e.getMessage(), e);
        }
      }
    }
    return files;
  }

  /** Whether any name from {@code base} down to {@code p} starts with a dot. */
  private static boolean hidden(Path base, Path p) {
    for (Path part : base.relativize(p)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String name(Path root, Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long mtime(Path p) {
    try {
      return Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
