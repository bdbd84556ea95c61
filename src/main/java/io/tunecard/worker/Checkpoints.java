package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code checkpoints/step-<N>/} directories of a training run, shared by both engines and the
 * parent. A checkpoint is complete only when its {@code COMPLETE} marker, written last and holding
 * the step number, is present; anything else is ignored (and reported) on resume. Temporary
 * directories {@code .step-<N>.tmp-*} are leftovers of an interrupted write.
 */
public final class Checkpoints {
  public static final String COMPLETE = "COMPLETE";
  public static final String TRAINER_STATE = "trainer_state.json";
  private static final Pattern STEP = Pattern.compile("step-(\\d+)");
  private static final Pattern TEMPORARY = Pattern.compile("\\.step-\\d+\\.tmp-.*");

  private Checkpoints() {}

  /** One {@code step-<N>} directory. */
  public record Checkpoint(long step, Path path) {
    public String name() {
      return "step-" + step;
    }
  }

  /**
   * What a checkpoints directory holds, each list sorted by step.
   *
   * @param notes one line per ignored directory, e.g. {@code ignoring step-120: no COMPLETE marker
   *     (incomplete checkpoint)}
   */
  public record Scan(
      List<Checkpoint> complete,
      List<Checkpoint> incomplete,
      List<Path> temporary,
      List<String> notes) {
    public Optional<Checkpoint> last() {
      return complete.isEmpty() ? Optional.empty() : Optional.of(complete.get(complete.size() - 1));
    }
  }

  public static Scan scan(Path dir) {
    List<Checkpoint> complete = new ArrayList<>();
    List<Checkpoint> incomplete = new ArrayList<>();
    List<Path> temporary = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      List<Path> entries;
      try (Stream<Path> s = Files.list(dir)) {
        entries = s.sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir, e);
      }
      for (Path p : entries) {
        String name = p.getFileName().toString();
        Matcher m = STEP.matcher(name);
        if (m.matches() && Files.isDirectory(p)) {
          Checkpoint c = new Checkpoint(Long.parseLong(m.group(1)), p);
          String problem = incompleteReason(c);
          (problem == null ? complete : incomplete).add(c);
        } else if (TEMPORARY.matcher(name).matches()) {
          temporary.add(p);
        }
      }
    }
    Comparator<Checkpoint> byStep = Comparator.comparingLong(Checkpoint::step);
    complete.sort(byStep);
    incomplete.sort(byStep);
    for (Checkpoint c : incomplete) {
      notes.add("ignoring " + c.name() + ": " + incompleteReason(c));
    }
    return new Scan(List.copyOf(complete), List.copyOf(incomplete), List.copyOf(temporary), notes);
  }

  /** The newest complete checkpoint; every ignored directory is reported through {@code report}. */
  public static Optional<Checkpoint> lastComplete(Path dir, Consumer<String> report) {
    Scan scan = scan(dir);
    scan.notes().forEach(report);
    return scan.last();
  }

  /**
   * Before a (re)launch: reports and deletes incomplete checkpoints and temporary directories (a
   * child writing {@code step-<N>} again must find the name free), and returns the checkpoint the
   * child will resume from.
   */
  public static Optional<Checkpoint> prepareResume(Path dir, Consumer<String> report) {
    Scan scan = scan(dir);
    try {
      for (Checkpoint c : scan.incomplete()) {
        report.accept("ignoring " + c.name() + ": " + incompleteReason(c) + "; removed");
        AtomicFiles.deleteTree(c.path());
      }
      for (Path t : scan.temporary()) {
        report.accept("removing " + t.getFileName() + " (an interrupted checkpoint write)");
        AtomicFiles.deleteTree(t);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir, e);
    }
    return scan.last();
  }

  public static boolean isComplete(Checkpoint c) {
    return incompleteReason(c) == null;
  }

  /** Why {@code c} is not complete, or null when it is. */
  public static String incompleteReason(Checkpoint c) {
    Path marker = c.path().resolve(COMPLETE);
    if (!Files.isRegularFile(marker)) {
      return "no " + COMPLETE + " marker (incomplete checkpoint)";
    }
    try {
      String text = Files.readString(marker).trim();
      if (!text.equals(Long.toString(c.step()))) {
        return "its " + COMPLETE + " marker holds '" + text + "', not the step " + c.step();
      }
      return null;
    } catch (IOException e) {
      return "cannot read its " + COMPLETE + " marker: " + e.getMessage();
    }
  }

  /** Fills a checkpoint directory (called with the temporary directory). */
  public interface Filler {
    void fill(Path staging) throws IOException;
  }

  /**
   * Writes {@code <dir>/step-<step>} whole: {@code filler} fills a temporary {@code
   * .step-<N>.tmp-*} directory, its files are flushed to disk, the {@code COMPLETE} marker is
   * written last, and the directory is renamed into place (replacing any earlier one).
   */
  public static Checkpoint write(Path dir, long step, Filler filler) throws IOException {
    Path target = dir.resolve("step-" + step);
    Path staging = AtomicFiles.stagingDirectory(target);
    try {
      filler.fill(staging);
      try (Stream<Path> files = Files.walk(staging)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
      AtomicFiles.writeString(staging.resolve(COMPLETE), step + "\n");
      AtomicFiles.publish(staging, target);
    } finally {
      AtomicFiles.deleteTree(staging);
    }
    return new Checkpoint(step, target);
  }

  /** The {@code eval_loss} recorded in a checkpoint's trainer_state.json, if any. */
  public static OptionalDouble evalLoss(Checkpoint c) {
    try {
      JsonNode state = Jsonl.readTree(c.path().resolve(TRAINER_STATE));
      JsonNode loss = state.path("eval_loss");
      return loss.isNumber() ? OptionalDouble.of(loss.asDouble()) : OptionalDouble.empty();
    } catch (IOException e) {
      return OptionalDouble.empty();
    }
  }

  /**
   * The retention rule both engines follow: of the complete checkpoints, keep the newest {@code
   * keepLast} and always the best one (lowest {@code eval_loss} in trainer_state.json; ties go to
   * the earlier step); remove the rest. A removed directory is first renamed to a temporary name,
   * so an interruption never leaves a checkpoint that looks complete but is not.
   *
   * @return the checkpoints removed
   */
  public static List<Checkpoint> retain(Path dir, int keepLast, Consumer<String> report) {
    if (keepLast < 1) {
      throw new IllegalArgumentException("keep_last: expected >= 1, found " + keepLast);
    }
    List<Checkpoint> complete = scan(dir).complete();
    Set<Long> keep = new LinkedHashSet<>();
    for (int i = Math.max(0, complete.size() - keepLast); i < complete.size(); i++) {
      keep.add(complete.get(i).step());
    }
    Optional<Checkpoint> best = best(complete);
    best.ifPresent(b -> keep.add(b.step()));
    List<Checkpoint> removed = new ArrayList<>();
    for (Checkpoint c : complete) {
      if (keep.contains(c.step())) {
        continue;
      }
      try {
        Path doomed = AtomicFiles.stagingDirectory(c.path());
        Files.delete(doomed);
        Files.move(c.path(), doomed);
        AtomicFiles.deleteTree(doomed);
        removed.add(c);
        report.accept(
            "removed checkpoint "
                + c.name()
                + " (keeping the last "
                + keepLast
                + best.map(b -> " and the best, " + b.name()).orElse("")
                + ")");
      } catch (NoSuchFileException e) {
        // Already gone: someone applied the same rule first.
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove checkpoint " + c.path(), e);
      }
    }
    return removed;
  }

  /** The complete checkpoint with the lowest eval loss (the earliest on ties), if any has one. */
  public static Optional<Checkpoint> best(List<Checkpoint> complete) {
    Checkpoint best = null;
    double bestLoss = Double.POSITIVE_INFINITY;
    for (Checkpoint c : complete) {
      OptionalDouble loss = evalLoss(c);
      if (loss.isPresent() && loss.getAsDouble() < bestLoss) {
        best = c;
        bestLoss = loss.getAsDouble();
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The finished training in {@code trainDir}: {@code DONE.json} is present, the checkpoint of its
   * {@code final_step} is complete and that checkpoint's trainer_state.json reached the same {@code
   * global_step}. Empty otherwise (an unreadable DONE.json counts as not finished).
   */
  public static Optional<TrainingDone> finished(Path trainDir) {
    Optional<TrainingDone> done;
    try {
      done = TrainingDone.read(trainDir);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (done.isEmpty()) {
      return done;
    }
    long step = done.get().finalStep();
    Checkpoint c = new Checkpoint(step, trainDir.resolve("checkpoints").resolve("step-" + step));
    if (!isComplete(c)) {
      return Optional.empty();
    }
    try {
      JsonNode state = Jsonl.readTree(c.path().resolve(TRAINER_STATE));
      return state.path("global_step").asLong(-1) == step ? done : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static boolean isFinished(Path trainDir) {
    return finished(trainDir).isPresent();
  }
}
