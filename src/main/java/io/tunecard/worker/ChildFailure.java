package io.tunecard.worker;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a worker child did not finish, told precisely: its own {@code error} event, a recognised
 * message on stderr (Java or CUDA out of memory, a missing Python module, a fatal Python error), a
 * JVM crash report, the signal that killed it, or its exit status.
 *
 * @param summary one line for the user
 * @param exitCode the child's exit status (128+n for signal n), null when it never started
 * @param signal e.g. {@code SIGKILL}, when a signal ended it
 * @param crashReport the JVM's hs_err_pid*.log, when one was written
 * @param stderrTail the last lines of the child's stderr
 */
public record ChildFailure(
    Kind kind,
    String summary,
    Integer exitCode,
    String signal,
    Path crashReport,
    List<String> stderrTail) {

  /** Failure classes; only some are worth a retry from the last checkpoint. */
  public enum Kind {
    BAD_INPUT(false),
    MISSING_DEPENDENCY(false),
    PROTOCOL(false),
    JAVA_OUT_OF_MEMORY(true),
    CUDA_OUT_OF_MEMORY(true),
    OUT_OF_MEMORY(true),
    KILLED_POSSIBLY_OUT_OF_MEMORY(true),
    NATIVE_CRASH(true),
    SIGNAL(true),
    INTERNAL(true),
    EXIT(true);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }
  }

  private static final Map<Integer, String> SIGNALS =
      Map.ofEntries(
          Map.entry(1, "SIGHUP"),
          Map.entry(2, "SIGINT"),
          Map.entry(3, "SIGQUIT"),
          Map.entry(4, "SIGILL"),
          Map.entry(6, "SIGABRT"),
          Map.entry(7, "SIGBUS"),
          Map.entry(8, "SIGFPE"),
          Map.entry(9, "SIGKILL"),
          Map.entry(11, "SIGSEGV"),
          Map.entry(13, "SIGPIPE"),
          Map.entry(15, "SIGTERM"));
  private static final List<Integer> CRASH_SIGNALS = List.of(4, 6, 7, 8, 11);
  private static final Pattern NO_MODULE = Pattern.compile("No module named '?([\\w.]+)'?");

  public ChildFailure {
    stderrTail = List.copyOf(stderrTail);
  }

  public boolean retryable() {
    return kind.retryable;
  }

  /**
   * What was seen of a child that did not finish.
   *
   * @param exitCode its exit status
   * @param errorKind the kind of its last {@code error} event, or null
   * @param errorMessage the message of that event, or null
   * @param protocolError why its stdout broke the protocol, or null
   * @param killedByParent the parent killed it (after a protocol error)
   * @param strayStdout non-event lines on its stdout (e.g. a JVM crash banner)
   * @param crashReport a JVM crash report it left, or null
   */
  public record Observation(
      int exitCode,
      String errorKind,
      String errorMessage,
      String protocolError,
      boolean killedByParent,
      List<String> strayStdout,
      List<String> stderrTail,
      Path crashReport) {}

  /** Classifies a child's death; the most specific evidence wins. */
  public static ChildFailure classify(Observation o) {
    int code = o.exitCode();
    Integer sig = code > 128 && code < 128 + 65 ? code - 128 : null;
    String signal = sig == null ? null : SIGNALS.getOrDefault(sig, "signal " + sig);
    String how = sig == null ? "status " + code : "signal " + sig + " (" + signal + ")";
    String stderr = String.join("\n", o.stderrTail());
    String kind = o.errorKind() == null ? "" : o.errorKind();
    String message = o.errorMessage() == null ? "" : o.errorMessage();
    Kind k;
    String summary;
    if (o.killedByParent() && o.protocolError() != null) {
      k = Kind.PROTOCOL;
      summary = "protocol error: " + o.protocolError() + " (the worker was stopped)";
    } else if (kind.equals("bad_input")) {
      k = Kind.BAD_INPUT;
      summary = message;
    } else if (kind.equals("missing_dependency")) {
      k = Kind.MISSING_DEPENDENCY;
      summary = "missing dependency: " + message;
    } else if (kind.equals("out_of_memory") || stderr.contains("CUDA out of memory")) {
      boolean cuda = message.contains("CUDA") || stderr.contains("CUDA out of memory");
      k = cuda ? Kind.CUDA_OUT_OF_MEMORY : Kind.OUT_OF_MEMORY;
      summary =
          (cuda ? "CUDA out of memory" : "out of memory")
              + ": "
              + (message.isEmpty() ? line(o.stderrTail(), "CUDA out of memory") : message)
              + (cuda ? " (lower train.micro_batch or model.max_seq_len)" : "");
    } else if (stderr.contains("java.lang.OutOfMemoryError")) {
      k = Kind.JAVA_OUT_OF_MEMORY;
      summary =
          "the worker JVM ran out of heap ("
              + line(o.stderrTail(), "java.lang.OutOfMemoryError")
              + "); raise it with -D"
              + WorkerCommand.MAX_HEAP_PROPERTY
              + "=<size> or TUNECARD_WORKER_XMX";
    } else if (o.crashReport() != null) {
      k = Kind.NATIVE_CRASH;
      String frame = problematicFrame(o.strayStdout());
      if (frame.isEmpty()) {
        frame = problematicFrame(o.stderrTail());
      }
      summary =
          "the worker JVM crashed in native code ("
              + how
              + (frame.isEmpty() ? "" : ", in " + frame)
              + "); crash report: "
              + o.crashReport();
    } else if (stderr.contains("Fatal Python error")) {
      k = Kind.NATIVE_CRASH;
      summary =
          "the Python worker aborted (" + how + "): " + line(o.stderrTail(), "Fatal Python error");
    } else if (!kind.equals("internal") && NO_MODULE.matcher(stderr).find()) {
      Matcher m = NO_MODULE.matcher(stderr);
      m.find();
      k = Kind.MISSING_DEPENDENCY;
      summary = "missing dependency: the Python module '" + m.group(1) + "' is not installed";
    } else if (sig != null && sig == 9) {
      k = Kind.KILLED_POSSIBLY_OUT_OF_MEMORY;
      summary =
          "killed by signal 9 (SIGKILL) before it finished; possibly out of memory (the Linux"
              + " OOM killer sends SIGKILL: see dmesg or the kernel log)";
    } else if (sig != null && CRASH_SIGNALS.contains(sig)) {
      k = Kind.NATIVE_CRASH;
      summary = "crashed with " + how + " (a native abort or crash)";
    } else if (sig != null) {
      k = Kind.SIGNAL;
      summary = "killed by " + how;
    } else if (o.protocolError() != null) {
      k = Kind.PROTOCOL;
      summary = "protocol error: " + o.protocolError();
    } else if (kind.equals("internal")) {
      k = Kind.INTERNAL;
      summary = "worker error: " + message + " (" + how + ")";
    } else if (code == 0) {
      k = Kind.PROTOCOL;
      summary = "protocol error: the worker exited with status 0 without a done event";
    } else {
      k = Kind.EXIT;
      String last = o.stderrTail().isEmpty() ? "" : o.stderrTail().get(o.stderrTail().size() - 1);
      summary =
          "exited with " + how + (last.isBlank() ? "" : "; stderr ends with: " + last.strip());
    }
    return new ChildFailure(k, summary, code, signal, o.crashReport(), o.stderrTail());
  }

  /** A failure to start the child at all (e.g. the interpreter does not exist). */
  public static ChildFailure notStarted(String summary) {
    return new ChildFailure(Kind.MISSING_DEPENDENCY, summary, null, null, null, List.of());
  }

  /** The summary, then the last {@code maxLines} lines of stderr. */
  public String describe(int maxLines, Path log) {
    StringBuilder b = new StringBuilder(summary);
    if (!stderrTail.isEmpty() && maxLines > 0) {
      b.append("\nlast lines of its stderr");
      if (log != null) {
        b.append(" (all of it: ").append(log).append(')');
      }
      b.append(':');
      for (String l :
          stderrTail.subList(Math.max(0, stderrTail.size() - maxLines), stderrTail.size())) {
        b.append("\n  | ").append(l);
      }
    }
    return b.toString();
  }

  /** The line after a JVM crash banner's "# Problematic frame:". */
  private static String problematicFrame(List<String> lines) {
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).contains("Problematic frame")) {
        return lines.get(i + 1).replaceFirst("^#\\s*", "").strip();
      }
    }
    return "";
  }

  private static String line(List<String> lines, String containing) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains(containing)) {
        return lines.get(i).strip();
      }
    }
    return "";
  }
}
