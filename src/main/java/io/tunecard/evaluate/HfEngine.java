package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.WorkerCommand;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSupervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code hf} engine of the evaluation stage: transformers' own {@code generate} and the eval
 * loss in the Python worker (docs/worker-protocol-python.md), started and supervised through {@link
 * WorkerSupervisor} with the specs of {@code WorkerSpecs.evalLoss} and {@code
 * WorkerSpecs.generate}. It needs a Python with torch, transformers and peft.
 */
final class HfEngine {
  private HfEngine() {}

  /**
   * The questions file handed to one model's worker (the eval split's rows to answer); one per
   * model, since the fine-tune's and the base's workers run at the same time and each deletes its
   * file when done.
   */
  static Path questionsFile(Path evalDir, boolean base) {
    return evalDir.resolve(base ? ".questions-base.jsonl" : ".questions.jsonl");
  }

  /** Where the worker writes one model's generations before the stage merges them. */
  static Path outputDir(Path evalDir, boolean base) {
    return evalDir.resolve(base ? ".hf-generations-base" : ".hf-generations");
  }

  static WorkerCommand launcher(EvalSettings s) {
    return s.workerLauncher() != null
        ? new WorkerCommand.Exec(s.workerLauncher(), Map.of())
        : WorkerCommand.hf(s.python());
  }

  private static WorkerSupervisor supervisor(EvalSettings s) {
    return new WorkerSupervisor(
        s.run(), launcher(s), WorkerSupervisor.Options.defaults().withRetries(s.retries()));
  }

  /** Runs {@code eval_loss} for the base and every checkpoint; reads back eval_loss.json. */
  static EvalLossReport evalLoss(EvalSettings s) {
    ObjectNode json = parse(s.hfEvalLossSpec());
    json.put("output_dir", s.evalDir().toAbsolutePath().toString());
    WorkerSpec spec = WorkerSpec.of(json);
    supervisor(s).run(spec);
    return EvalLossReport.read(spec.outputDir().resolve(EvalLossReport.FILE), s.run());
  }

  /**
   * Runs {@code generate} for every strategy with one model ({@code adapter} null: the base) on
   * {@code rows}; reads back each strategy's file.
   */
  static List<GeneratedAnswer> generate(
      EvalSettings s, String model, String adapter, List<QuestionBatch.Question> rows) {
    boolean base = QuestionBatch.BASE.equals(model);
    Path out = outputDir(s.evalDir(), base);
    Path questions = questionsFile(s.evalDir(), base);
    ObjectNode json = parse(s.hfGenerateSpec());
    ((ObjectNode) json.get("generate")).put("adapter", adapter);
    json.put("output_dir", out.toAbsolutePath().toString());
    ((ObjectNode) json.get("data")).put("questions", questions.toAbsolutePath().toString());
    try {
      StringBuilder lines = new StringBuilder();
      for (QuestionBatch.Question r : rows) {
        ObjectNode q = Jsonl.MAPPER.createObjectNode();
        q.put("id", r.id());
        q.put("question", r.question());
        q.put("answer", r.reference());
        lines.append(Jsonl.write(q)).append('\n');
      }
      AtomicFiles.writeString(questions, lines.toString());
      AtomicFiles.deleteTree(out);
      supervisor(s).run(WorkerSpec.of(json));
      List<GeneratedAnswer> answers = new ArrayList<>();
      for (NamedDecoding st : s.strategies()) {
        answers.addAll(read(out.resolve(st.name() + ".jsonl"), model, st.name()));
      }
      AtomicFiles.deleteTree(out);
      Files.deleteIfExists(questions);
      return answers;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  private static List<GeneratedAnswer> read(Path file, String model, String strategy)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": the generate worker wrote no file for " + strategy);
    }
    List<GeneratedAnswer> out = new ArrayList<>();
    List<JsonNode> lines = Jsonl.readAll(file);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode r = lines.get(i);
      for (String key : List.of("id", "question", "reference", "prediction")) {
        if (!r.path(key).isTextual()) {
          throw new BadInputException(file + ":" + (i + 1) + ": key '" + key + "': expected text");
        }
      }
      if (!r.path("tokens").canConvertToInt() || !r.path("hit_cap").isBoolean()) {
        throw new BadInputException(
            file + ":" + (i + 1) + ": keys 'tokens' and 'hit_cap': expected a count and a boolean");
      }
      out.add(
          new GeneratedAnswer(
              model,
              strategy,
              r.get("id").asText(),
              r.get("question").asText(),
              r.get("reference").asText(),
              r.get("prediction").asText(),
              r.get("tokens").asInt(),
              r.get("hit_cap").asBoolean()));
    }
    return out;
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) Jsonl.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
