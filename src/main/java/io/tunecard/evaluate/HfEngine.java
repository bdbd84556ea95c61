package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.files.SafePaths;
import io.tunecard.model.ModelLocator;
import io.tunecard.rundir.DatasetRow;
import io.tunecard.rundir.GenerationRow;
import io.tunecard.worker.Checkpoints;
import io.tunecard.worker.WorkerCommand;
import io.tunecard.worker.WorkerOutcome;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.worker.WorkerSupervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code hf} engine of the evaluation stage: one Python worker process ({@code evaluate},
 * docs/worker-protocol-python.md) loads the base once, scores the eval loss of the base and every
 * checkpoint, answers with the best checkpoint and the base under every strategy and computes their
 * BERTScore; it is started and supervised through {@link WorkerSupervisor}, whose retries reuse the
 * worker's folder so that a retried worker skips what it already wrote. This class is the one
 * reader of that folder: the stage then writes eval/ itself (eval_loss.json, the generations files,
 * metrics.json with the text metrics and every bootstrap interval).
 */
final class HfEngine {
  /** The worker's folder inside the stage's output (removed before eval/ is published). */
  static final String WORK_DIR = ".hf-evaluate";

  private HfEngine() {}

  static Path workDir(Path evalDir) {
    return evalDir.resolve(WORK_DIR);
  }

  static WorkerCommand launcher(Evaluation e) {
    List<String> custom = e.options().workerLauncher();
    return custom != null
        ? new WorkerCommand.Exec(custom, Map.of())
        : WorkerCommand.hf(e.workflow().train().python());
  }

  /**
   * The worker's spec, built when the worker starts: the base (loss only, the {@code null} entry)
   * and every complete checkpoint of the run, the questions file, and the BERTScore encoder where
   * it was found on this machine (none: no BERTScore is asked for).
   */
  static WorkerSpec spec(Evaluation e, Path work) {
    List<Path> checkpoints = new ArrayList<>();
    checkpoints.add(null);
    Checkpoints.scan(e.run().checkpoints()).complete().forEach(c -> checkpoints.add(c.path()));
    BertScorer.Located encoder = BertScorer.locate(e.bertscore(), ModelLocator.system());
    return WorkerSpecs.evaluate(
        e.workflow(),
        e.run(),
        checkpoints,
        work.resolve("questions.jsonl"),
        encoder.directory().map(Path::toAbsolutePath).orElse(null),
        work);
  }

  /**
   * Checks, before any step runs, that the workflow gives a worker spec the schema accepts (the
   * parts known only when the worker starts left empty), so a bad spec fails the run before
   * training rather than after it.
   */
  static void checkSpec(Evaluation e) {
    WorkerSpecs.evaluate(e.workflow(), e.run(), List.of(), null, null, workDir(e.evalDir()));
  }

  /**
   * Runs the worker to completion: writes the questions file ({@code eval.limit} applied) and the
   * spec, then checks that the worker answered with the checkpoint the stage deems best.
   */
  static void evaluate(Evaluation e) {
    Path work = workDir(e.evalDir());
    Path questions = work.resolve("questions.jsonl");
    WorkerSpec spec = spec(e, work);
    WorkerOutcome outcome;
    try {
      Files.createDirectories(work);
      StringBuilder lines = new StringBuilder();
      for (DatasetRow r : SplitRows.read(e.run().split(e.eval().split()), e.eval().limit())) {
        ObjectNode q = Jsonl.MAPPER.createObjectNode();
        q.put("id", r.id());
        q.put("question", r.question());
        q.put("answer", r.answer());
        lines.append(Jsonl.write(q)).append('\n');
      }
      AtomicFiles.writeString(questions, lines.toString());
      outcome =
          new WorkerSupervisor(
                  e.run(),
                  launcher(e),
                  WorkerSupervisor.Options.defaults().withRetries(e.workflow().train().retries()))
              .run(spec);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex.getMessage(), ex);
    }
    String best = readLoss(e).best().map(LossResult::model).orElse(null);
    String answered = outcome.done() == null ? null : outcome.done().text("best_checkpoint");
    if (best == null || !best.equals(answered)) {
      throw new BadInputException(
          work.resolve(EvalLossReport.FILE)
              + ": the lowest eval loss is "
              + best
              + ", but the evaluate worker answered with "
              + answered);
    }
  }

  /** The worker's eval_loss.json (checkpoint names resolve under the run's checkpoints). */
  static EvalLossReport readLoss(Evaluation e) {
    Path file = workDir(e.evalDir()).resolve(EvalLossReport.FILE);
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": the evaluate worker wrote no eval loss report");
    }
    return EvalLossReport.read(file, e.run());
  }

  /** One model's answers under one strategy, as the worker wrote them. */
  static List<GeneratedAnswer> answers(Evaluation e, String model, String strategy) {
    Path file = part(e, "generations", model, strategy);
    List<GeneratedAnswer> out = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": the evaluate worker wrote no answers file");
    }
    List<GenerationRow> rows = GenerationRow.readAll(file);
    for (int i = 0; i < rows.size(); i++) {
      GenerationRow r = rows.get(i);
      String missing =
          r.id() == null
              ? "id"
              : r.question() == null
                  ? "question"
                  : r.reference() == null
                      ? "reference"
                      : r.prediction() == null ? "prediction" : null;
      if (missing != null) {
        throw new BadInputException(
            file + ":" + (i + 1) + ": key '" + missing + "': expected text");
      }
      if (r.tokens() == null || r.hitCap() == null) {
        throw new BadInputException(
            file + ":" + (i + 1) + ": keys 'tokens' and 'hit_cap': expected a count and a boolean");
      }
      out.add(
          new GeneratedAnswer(
              model,
              strategy,
              r.id(),
              r.question(),
              r.reference(),
              r.prediction(),
              r.tokens(),
              r.hitCap()));
    }
    return out;
  }

  /** The worker's BERTScore F1 of each answer in {@code rows} (sorted by id, as scored). */
  static double[] bertF1(Evaluation e, String model, String strategy, List<GeneratedAnswer> rows) {
    Path file = part(e, "bertscore", model, strategy);
    Map<String, Double> f1 = new HashMap<>();
    List<JsonNode> lines = readLines(file, "BERTScore");
    for (int i = 0; i < lines.size(); i++) {
      JsonNode r = lines.get(i);
      if (!r.path("id").isTextual() || !r.path("f1").isNumber()) {
        throw new BadInputException(
            file + ":" + (i + 1) + ": keys 'id' and 'f1': expected text and a number");
      }
      f1.put(r.get("id").asText(), r.get("f1").asDouble());
    }
    double[] out = new double[rows.size()];
    for (int i = 0; i < out.length; i++) {
      Double v = f1.get(rows.get(i).id());
      if (v == null) {
        throw new BadInputException(file + ": no score for answer '" + rows.get(i).id() + "'");
      }
      out[i] = v;
    }
    return out;
  }

  private static Path part(Evaluation e, String kind, String model, String strategy) {
    String dir = QuestionBatch.BASE.equals(model) ? kind + "-base" : kind;
    return SafePaths.inside(
        workDir(e.evalDir()).resolve(dir), strategy + ".jsonl", "strategy name");
  }

  private static List<JsonNode> readLines(Path file, String what) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": the evaluate worker wrote no " + what + " file");
    }
    try {
      return Jsonl.readAll(file);
    } catch (IOException ex) {
      throw new BadInputException(ex.getMessage(), ex);
    }
  }
}
