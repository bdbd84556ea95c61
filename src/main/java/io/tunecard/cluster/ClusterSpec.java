package io.tunecard.cluster;

import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a local session cluster is made of: TaskManagers, slots per TaskManager and the total
 * process memory of each JVM (Flink's size syntax: {@code 1536m}, {@code 2g}), and the folder that
 * holds its configuration, logs, pid files and scratch space.
 *
 * @param taskManagers TaskManager processes started with the cluster (1 to 64)
 * @param slots task slots per TaskManager (1 to 64); each slot runs one parallel worker
 * @param taskManagerMemory {@code taskmanager.memory.process.size} of each TaskManager
 * @param jobManagerMemory {@code jobmanager.memory.process.size}
 * @param dir the cluster's folder
 */
public record ClusterSpec(
    int taskManagers, int slots, String taskManagerMemory, String jobManagerMemory, Path dir) {

  /** The folder {@code tunecard cluster} uses when no {@code --dir} is given. */
  public static final Path DEFAULT_DIR = Path.of(".tunecard", "flink");

  // Sized for a laptop or a small CI machine: a TaskManager of 1536 MB has about 350 MB of task
  // heap, 256 MB of task off-heap (libtorch's buffers), 300 MB of managed memory (sorting).
  public static final String DEFAULT_TM_MEMORY = "1536m";
  public static final String DEFAULT_JM_MEMORY = "1024m";

  private static final Pattern SIZE = Pattern.compile("[1-9][0-9]*\\s*(k|kb|m|mb|g|gb)");

  public ClusterSpec {
    if (taskManagers < 1 || taskManagers > 64) {
      throw new IllegalArgumentException("task managers: expected 1 to 64, found " + taskManagers);
    }
    if (slots < 1 || slots > 64) {
      throw new IllegalArgumentException("slots: expected 1 to 64, found " + slots);
    }
    taskManagerMemory = size("task manager memory", taskManagerMemory, 1024);
    jobManagerMemory = size("job manager memory", jobManagerMemory, 768);
    if (dir == null) {
      throw new IllegalArgumentException("dir: expected a folder, found none");
    }
    dir = dir.toAbsolutePath().normalize();
  }

  /** A cluster of {@code taskManagers} with the default sizes, in {@code dir}. */
  public static ClusterSpec of(int taskManagers, int slots, Path dir) {
    return new ClusterSpec(taskManagers, slots, DEFAULT_TM_MEMORY, DEFAULT_JM_MEMORY, dir);
  }

  public ClusterSpec withTaskManagerMemory(String size) {
    return new ClusterSpec(taskManagers, slots, size, jobManagerMemory, dir);
  }

  /** Megabytes of {@code size} as Flink reads it (binary units). */
  static long megabytes(String size) {
    String s = size.toLowerCase(Locale.ROOT).replaceAll("\\s", "");
    long n = Long.parseLong(s.replaceAll("[a-z]", ""));
    return switch (s.replaceAll("[0-9]", "")) {
      case "k", "kb" -> n / 1024;
      case "m", "mb" -> n;
      default -> n * 1024;
    };
  }

  private static String size(String field, String value, long minMb) {
    String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    if (!SIZE.matcher(v).matches()) {
      throw new IllegalArgumentException(
          field + ": expected a size such as 1536m or 2g, found '" + value + "'");
    }
    if (megabytes(v) < minMb) {
      throw new IllegalArgumentException(
          field + ": expected at least " + minMb + "m (Flink's fixed overheads), found " + value);
    }
    return v.replaceAll("\\s", "");
  }
}
