package io.tunecard.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory, now and at its peak, from /proc/self/status. */
final class Rss {
  private Rss() {}

  static String read() {
    try {
      String hwm = "?";
      String rss = "?";
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          hwm = gb(line);
        } else if (line.startsWith("VmRSS:")) {
          rss = gb(line);
        }
      }
      return "VmRSS " + rss + ", VmHWM " + hwm;
    } catch (IOException e) {
      return "RSS unavailable";
    }
  }

  private static String gb(String line) {
    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
    return String.format(java.util.Locale.ROOT, "%.2f GB", kb / 1048576.0);
  }
}
