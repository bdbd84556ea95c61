package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.Checkpoints.Checkpoint;
import io.tunecard.worker.EventWriter.StepMetrics;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A JVM worker child for the protocol tests, following the {@link WorkerMain} contract like the djl
 * engine. It "trains" a one-number model whose state lives in its checkpoints, so a resume that did
 * not restore the state would log different losses. Each attempt follows one directive of the
 * {@code SCRIPT} environment variable ({@code ;}-separated, one per attempt, the last repeating):
 * {@code ok}, or {@code <behaviour>@<step>} with behaviour one of exit3, wait, selfkill-staging,
 * selfkill-marker, bad_input, missing_dep, java_oom, native_crash, internal.
 */
public final class ScriptedWorker {
  private ScriptedWorker() {}

  public static void main(String[] args) {
    WorkerMain.main(args, ScriptedWorker::train);
  }

  static void train(WorkerSpec spec, EventWriter events) throws Exception {
    String directive = directive();
    String behaviour =
        directive.contains("@") ? directive.substring(0, directive.indexOf('@')) : directive;
    long at =
        directive.contains("@")
            ? Long.parseLong(directive.substring(directive.indexOf('@') + 1))
            : -1;
    if (behaviour.equals("missing_dep")) {
      throw WorkerException.missingDependency(
          "bitsandbytes is not installed; model.quantization nf4 needs it");
    }
    JsonNode t = spec.section("train");
    long total = t.get("max_steps").asLong();
    int logEvery = t.get("log_every").asInt();
    int evalEvery = t.get("eval_every_steps").asInt();
    int saveEvery = t.get("save_every_steps").asInt();
    Path dir = spec.checkpointsDir();
    Optional<Checkpoint> last = Checkpoints.lastComplete(dir, System.err::println);
    long start = last.map(Checkpoint::step).orElse(0L);
    double param =
        last.isPresent()
            ? Jsonl.readTree(last.get().path().resolve(Checkpoints.TRAINER_STATE))
                .get("scripted_param")
                .asDouble()
            : 1.0;
    events.started("djl", "cpu", total, last.map(Checkpoint::step).orElse(null));
    System.err.println("scripted worker: " + directive + ", starting after step " + start);
    double loss = Double.NaN;
    for (long step = start + 1; step <= total; step++) {
      param = param * 0.9 + 0.02 * ((step * 7919) % 13) / 13.0;
      loss = param + 0.5;
      double epoch = step / 10.0;
      if (step == at) {
        misbehave(behaviour, step, dir, param, events);
      }
      events.progress("train", step, total, null, loss, 1000.0);
      if (step % logEvery == 0) {
        events.metrics(new StepMetrics(step, epoch, loss, 2e-4, 0.5, 1000.0, null));
      }
      Double evalLoss = null;
      if (evalEvery > 0 && step % evalEvery == 0) {
        evalLoss = loss + 0.1 * Math.sin(step);
        events.metrics(StepMetrics.eval(step, epoch, evalLoss));
      }
      if (step % saveEvery == 0 || step == total) {
        Checkpoint c = save(dir, step, epoch, param, evalLoss);
        events.checkpoint(step, c.path(), evalLoss);
      }
      if (step == at && behaviour.equals("exit3")) {
        System.err.println("scripted worker: exiting with status 3 after step " + step);
        System.exit(3);
      }
      if (step == at && behaviour.equals("wait")) {
        events.log("info", "waiting at step " + step);
        Thread.sleep(30_000);
        System.exit(1);
      }
    }
    Path trainDir = spec.outputDir();
    String best =
        Checkpoints.best(Checkpoints.scan(dir).complete()).map(Checkpoint::name).orElse(null);
    new TrainingDone(total, loss, best).write(trainDir);
    events.done(total, loss, best, List.of());
  }

  private static void misbehave(
      String behaviour, long step, Path dir, double param, EventWriter events) throws Exception {
    switch (behaviour) {
      case "selfkill-staging" ->
          Checkpoints.write(
              dir,
              step,
              staging -> {
                Files.writeString(staging.resolve("adapter_model.safetensors"), "partial");
                killMyself();
              });
      case "selfkill-marker" -> {
        Path staging = AtomicFiles.stagingDirectory(dir.resolve("step-" + step));
        Files.writeString(staging.resolve(Checkpoints.TRAINER_STATE), state(step, 0, param, null));
        Files.move(staging, dir.resolve("step-" + step));
        killMyself();
      }
      case "bad_input" ->
          throw new BadInputException("dataset/train.jsonl:3: answer: missing (a required key)");
      case "internal" -> throw new IllegalStateException("scripted internal failure");
      case "java_oom" -> {
        List<long[]> hog = new ArrayList<>();
        while (true) {
          hog.add(new long[1 << 20]);
        }
      }
      case "native_crash" -> {
        Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Object unsafe = f.get(null);
        unsafe.getClass().getMethod("putAddress", long.class, long.class).invoke(unsafe, 0L, 0L);
      }
      default -> {
        // exit3 and wait act after the step's events.
      }
    }
  }

  private static Checkpoint save(Path dir, long step, double epoch, double param, Double evalLoss)
      throws IOException {
    return Checkpoints.write(
        dir,
        step,
        staging ->
            Files.writeString(
                staging.resolve(Checkpoints.TRAINER_STATE), state(step, epoch, param, evalLoss)));
  }

  private static String state(long step, double epoch, double param, Double evalLoss) {
    ObjectNode s = Jsonl.MAPPER.createObjectNode();
    s.put("engine", "djl");
    s.put("global_step", step);
    s.put("epoch", epoch);
    s.put("eval_loss", evalLoss);
    s.put("scripted_param", param);
    return Jsonl.pretty(s);
  }

  private static void killMyself() throws IOException {
    try {
      new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
          .inheritIO()
          .start()
          .waitFor();
      Thread.sleep(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("kill -9 did not stop the worker");
  }

  /** This attempt's directive: the n-th of SCRIPT, counted with files in SCRIPT_STATE. */
  private static String directive() throws IOException {
    String[] script = System.getenv().getOrDefault("SCRIPT", "ok").split(";");
    Path state = Path.of(System.getenv("SCRIPT_STATE"));
    Files.createDirectories(state);
    int attempt = 0;
    while (true) {
      try {
        Files.createFile(state.resolve("attempt-" + attempt));
        break;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        attempt++;
      }
    }
    return script[Math.min(attempt, script.length - 1)].trim();
  }
}
