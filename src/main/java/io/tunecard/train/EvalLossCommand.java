package io.tunecard.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.EvalLosses;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralModel;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.EventWriter.EvalLossResult;
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code eval_loss} command of the djl engine: the answer-token loss of the base model and of
 * each listed adapter on the validation rows, under both definitions of {@link EvalLosses} with the
 * spec's {@code eval_loss.batch}, written to {@code <output_dir>/eval_loss.json} in the hf worker's
 * format ({@code split, rows, batch_size, base, checkpoints[{checkpoint, step, eval_loss,
 * eval_loss_token_weighted, loss, perplexity, tokens}], best}).
 */
final class EvalLossCommand {
  static final int DEFAULT_BATCH = 8;

  private EvalLossCommand() {}

  static void run(WorkerSpec spec, EventWriter events) throws IOException {
    JsonNode section = spec.section("eval_loss");
    int batch =
        section.path("batch").isIntegralNumber() ? section.get("batch").asInt() : DEFAULT_BATCH;
    List<Path> entries = new ArrayList<>();
    for (JsonNode e : section.path("checkpoints")) {
      Path p = e.isNull() ? null : Path.of(e.asText());
      if (p != null && !Files.isRegularFile(p.resolve(PeftFormat.CONFIG))) {
        throw new BadInputException(
            "eval_loss.checkpoints: "
                + p
                + ": not a PEFT adapter directory (no adapter_config.json)");
      }
      entries.add(p);
    }
    JsonNode data = spec.section("data");
    Path valFile = Path.of(data.path("validation").asText());
    Integer limit =
        data.path("validation_limit").isIntegralNumber()
            ? data.get("validation_limit").asInt()
            : null;
    try (WorkerBase base = WorkerBase.open(spec.section("model"))) {
      EncodedSplit val =
          EncodedSplit.of(base.template(), QaRow.read(valFile, limit), base.maxSeqLen());
      if (val.examples().isEmpty()) {
        throw new BadInputException(valFile + ": no row leaves an answer token");
      }
      events.started(TrainerState.ENGINE, "cpu", null, null);
      events.log("info", "validation split " + valFile + ": " + val.stats().json());
      Progress progress = new Progress(events);
      List<EvalLossResult> results = new ArrayList<>();
      ObjectNode doc = Jsonl.MAPPER.createObjectNode();
      doc.put("split", "validation");
      doc.put("rows", val.examples().size());
      doc.put("batch_size", batch);
      doc.putNull("base");
      ArrayNode list = Jsonl.MAPPER.createArrayNode();
      String best = null;
      double bestLoss = Double.POSITIVE_INFINITY;
      try (NDManager root = NDManager.newBaseManager();
          BaseWeights weights = BaseWeights.load(base.dir(), base.loadOptions(), root)) {
        MistralModel model = new MistralModel(weights, null);
        for (Path entry : entries) {
          String label = entry == null ? "base" : entry.getFileName().toString();
          EvalLosses v;
          if (entry == null) {
            model.setAdapter(null);
            v = score(model, val, batch, base, root, progress, label);
          } else {
            try (LoraAdapter a = PeftFormat.load(entry, base.config(), root)) {
              model.setAdapter(a);
              v = score(model, val, batch, base, root, progress, label);
              model.setAdapter(null);
            }
          }
          double loss = LoraTraining.finite(v.trainer(), "eval loss of " + label);
          double weighted = LoraTraining.finite(v.tokenWeighted(), "eval loss of " + label);
          ObjectNode r = Jsonl.MAPPER.createObjectNode();
          if (entry != null) {
            r.put("checkpoint", label);
            r.put("step", stepOf(entry));
          }
          r.put("eval_loss", loss);
          r.put("eval_loss_token_weighted", weighted);
          r.put("loss", loss);
          r.put("perplexity", Math.exp(loss));
          r.put("tokens", v.tokens());
          if (entry == null) {
            doc.set("base", r);
          } else {
            list.add(r);
            if (loss < bestLoss) {
              bestLoss = loss;
              best = label;
            }
          }
          results.add(
              new EvalLossResult(entry == null ? null : entry.toString(), loss, v.tokens()));
        }
      }
      doc.set("checkpoints", list);
      doc.put("best", best);
      Path out = spec.outputDir().resolve("eval_loss.json");
      AtomicFiles.writeString(out, Jsonl.pretty(doc));
      events.evalLoss(results);
      events.done(null, null, best, List.of(out.toString()));
    }
  }

  private static EvalLosses score(
      MistralModel model,
      EncodedSplit val,
      int batch,
      WorkerBase base,
      NDManager root,
      Progress progress,
      String label) {
    List<LossValue> rows =
        LossEvaluator.rows(
            model,
            val.examples(),
            batch,
            base.padId(),
            root,
            (done, total) ->
                progress.maybe("eval_loss", done, total, label, null, null, done == total));
    return EvalLosses.of(rows, batch);
  }

  private static Long stepOf(Path dir) {
    try {
      JsonNode s = Jsonl.readTree(dir.resolve("trainer_state.json"));
      if (s.path("global_step").isIntegralNumber()) {
        return s.get("global_step").asLong();
      }
    } catch (IOException e) {
      // fall back to the directory name
    }
    String name = dir.getFileName().toString();
    return name.matches("step-\\d+") ? Long.parseLong(name.substring(5)) : null;
  }
}
