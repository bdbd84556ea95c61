package io.tunecard.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.WorkerMain;
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A JVM child that speaks the {@code evaluate} command of the protocol in place of the Python
 * worker, for the stage's hf path: it writes the worker's files from its spec without a model.
 * Checkpoint {@code step-N} scores loss {@code 2 + 1/N} (the base 3), so the latest step is the
 * best; a prediction is the first {@code k} words of its reference ({@code k} by strategy and
 * model); BERTScore F1 is {@code 0.5 + 0.4 · k / words}. {@code -Dstandin=} picks a behaviour:
 * {@code ok}; {@code crash-once} (the first attempt dies after its first answers file, the next
 * reports on stderr what it found); {@code wrong-best} (answers with the worst checkpoint); {@code
 * bad-row} (an answer without its prediction).
 */
public final class StandInEvaluator {
  private StandInEvaluator() {}

  public static void main(String[] args) {
    WorkerMain.main(args, StandInEvaluator::evaluate);
  }

  static void evaluate(WorkerSpec spec, EventWriter events) throws IOException {
    String scenario = System.getProperty("standin", "ok");
    Path out = spec.outputDir();
    events.started("hf", "cpu", null, null);
    boolean retried = Files.isRegularFile(out.resolve("eval_loss.json"));
    if (retried) {
      try (Stream<Path> s = Files.walk(out)) {
        System.err.println(
            "stand-in found: "
                + s.filter(Files::isRegularFile)
                    .map(p -> out.relativize(p).toString())
                    .sorted()
                    .toList());
      }
    }
    ObjectNode report = Jsonl.MAPPER.createObjectNode();
    report.put("split", "validation");
    report.put("rows", 10);
    report.put("batch_size", spec.section("eval_loss").path("batch").asInt(8));
    ArrayNode checkpoints = report.putArray("checkpoints");
    String best = null;
    String worst = null;
    double bestLoss = Double.MAX_VALUE;
    List<EventWriter.EvalLossResult> results = new ArrayList<>();
    for (JsonNode entry : spec.section("eval_loss").get("checkpoints")) {
      if (entry.isNull()) {
        report
            .putObject("base")
            .put("eval_loss", 3.0)
            .put("eval_loss_token_weighted", 3.01)
            .put("loss", 3.0)
            .put("perplexity", Math.exp(3.0))
            .put("tokens", 90);
        results.add(new EventWriter.EvalLossResult(null, 3.0, 90));
        continue;
      }
      Path dir = Path.of(entry.asText());
      if (!Files.isRegularFile(dir.resolve("adapter_config.json"))) {
        throw new io.tunecard.files.BadInputException(dir + ": not a PEFT adapter directory");
      }
      int step = Integer.parseInt(dir.getFileName().toString().substring("step-".length()));
      double loss = 2.0 + 1.0 / step;
      ObjectNode c = checkpoints.addObject();
      c.put("checkpoint", dir.getFileName().toString());
      c.put("step", step);
      c.put("eval_loss", loss);
      // the token-weighted mean differs from the Trainer's mean of batch means
      c.put("eval_loss_token_weighted", loss + 0.01);
      c.put("loss", loss);
      c.put("perplexity", Math.exp(loss));
      c.put("tokens", 90);
      results.add(new EventWriter.EvalLossResult(entry.asText(), loss, 90));
      worst = worst == null ? dir.getFileName().toString() : worst;
      if (loss < bestLoss) {
        bestLoss = loss;
        best = dir.getFileName().toString();
      }
    }
    report.put("best", best);
    AtomicFiles.writeString(out.resolve("eval_loss.json"), Jsonl.pretty(report));
    List<JsonNode> questions =
        Jsonl.readAll(Path.of(spec.section("data").get("questions").asText()));
    questions.sort(Comparator.comparing(q -> q.get("id").asText()));
    JsonNode gen = spec.section("generate");
    List<String> models = new ArrayList<>(List.of("adapter"));
    if (gen.path("compare_base").asBoolean(true)) {
      models.add("base");
    }
    List<String> outputs = new ArrayList<>();
    int index = 0;
    for (JsonNode st : gen.get("strategies")) {
      String name = st.get("name").asText();
      for (String model : models) {
        int k = 2 + index % 3 + (model.equals("adapter") ? 2 : 0);
        String folder = model.equals("base") ? "generations-base" : "generations";
        StringBuilder answers = new StringBuilder();
        StringBuilder scores = new StringBuilder();
        for (int i = 0; i < questions.size(); i++) {
          JsonNode q = questions.get(i);
          String[] words = q.get("answer").asText().strip().split("\\s+");
          int n = Math.min(k, words.length);
          ObjectNode row = Jsonl.MAPPER.createObjectNode();
          row.put("id", q.get("id").asText());
          row.put("question", q.get("question").asText());
          row.put("reference", q.get("answer").asText());
          if (!(scenario.equals("bad-row") && i == 0)) {
            row.put("prediction", String.join(" ", List.of(words).subList(0, n)));
          }
          row.put("tokens", n);
          row.put("hit_cap", false);
          answers.append(Jsonl.write(row)).append('\n');
          double f1 = 0.5 + 0.4 * n / words.length;
          scores
              .append(
                  Jsonl.write(
                      Jsonl.MAPPER
                          .createObjectNode()
                          .put("id", q.get("id").asText())
                          .put("precision", f1)
                          .put("recall", f1)
                          .put("f1", f1)))
              .append('\n');
          events.progress(
              "generate", i + 1, questions.size(), name + " (" + model + ")", null, 100.0);
        }
        Path file = out.resolve(folder).resolve(name + ".jsonl");
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, answers.toString());
        outputs.add(file.toString());
        if (scenario.equals("crash-once") && !retried) {
          System.err.println("stand-in: dying after " + out.relativize(file));
          Runtime.getRuntime().halt(3);
        }
        if (!spec.json().get("bertscore").isNull()) {
          Path bert =
              out.resolve(folder.replace("generations", "bertscore")).resolve(name + ".jsonl");
          Files.createDirectories(bert.getParent());
          AtomicFiles.writeString(bert, scores.toString());
          events.progress("bertscore", questions.size(), questions.size(), name, null, 1000.0);
        }
      }
      index++;
    }
    events.evalLoss(results);
    events.done(null, null, scenario.equals("wrong-best") ? worst : best, outputs);
  }
}
