package io.tunecard.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks an interpreter what it has for the hf engine by running the worker's own doctor, {@code
 * <python> -m tunecard_worker doctor --json}, started exactly as the worker would be (the same
 * PYTHONPATH), so the answer holds for the real launch. The worker's requirements live only in its
 * package (pyproject.toml), never here.
 */
public final class PythonProbe {
  /** How long an interpreter may take to answer; importing torch on a busy host takes a while. */
  public static final long TIMEOUT_SECONDS = 180;

  private PythonProbe() {}

  /** Either the report, or why there is none (the interpreter or the package is unusable). */
  public record Outcome(PythonReport report, String failure) {
    public Outcome {
      if ((report == null) == (failure == null)) {
        throw new IllegalArgumentException("exactly one of report and failure");
      }
    }

    public boolean ran() {
      return report != null;
    }
  }

  /**
   * Runs the doctor with {@code python}.
   *
   * @param withTorch also import torch and ask it for its CUDA devices (slower); without it only
   *     package metadata is read
   */
  public static Outcome ask(String python, boolean withTorch) {
    WorkerCommand.Python launch = WorkerCommand.hf(python);
    List<String> argv =
        new ArrayList<>(List.of(python, "-m", "tunecard_worker", "doctor", "--json"));
    if (!withTorch) {
      argv.add("--packages");
    }
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().putAll(launch.environment());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new Outcome(null, "cannot run " + python + ": " + e.getMessage());
    }
    try {
      p.getOutputStream().close();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p, false));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p, true));
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Outcome(null, python + " did not answer within " + TIMEOUT_SECONDS + " s");
      }
      String stdout = out.join();
      try {
        return new Outcome(PythonReport.parse(stdout), null);
      } catch (IllegalArgumentException e) {
        String stderr = err.join().strip();
        String said = stderr.isEmpty() ? stdout.strip() : stderr;
        return new Outcome(
            null,
            python
                + " -m tunecard_worker doctor exited "
                + p.exitValue()
                + ": "
                + lastLines(said, 6));
      }
    } catch (IOException e) {
      p.destroyForcibly();
      return new Outcome(null, "cannot talk to " + python + ": " + e.getMessage());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Outcome(null, "interrupted while asking " + python);
    }
  }

  private static String drain(Process p, boolean stderr) {
    try {
      return new String(
          (stderr ? p.getErrorStream() : p.getInputStream()).readAllBytes(),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String lastLines(String text, int n) {
    String[] lines = text.split("\n");
    int from = Math.max(0, lines.length - n);
    return String.join(" | ", java.util.Arrays.asList(lines).subList(from, lines.length));
  }
}
