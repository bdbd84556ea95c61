package io.tunecard.card;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a figures directory: {@code run.json} (facts of a published run), its training log CSV
 * ({@code step, epoch, training_loss, validation_loss}) and its decoding table CSV ({@code
 * strategy} then one column per metric). Such a run published numbers only, so lineage, samples,
 * confidence intervals and n are absent and the card says so.
 */
final class FiguresImporter {
  private FiguresImporter() {}

  static CardModel read(Path dir) {
    Path runJson = dir.resolve("run.json");
    if (!Files.isRegularFile(runJson)) {
      throw new BadInputException(runJson + ": not found (a figures directory needs run.json)");
    }
    JsonNode run;
    try {
      run = Jsonl.readTree(runJson);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    Json j = new Json(runJson, run);
    String baseModel = j.requiredText("base_model");
    String datasetId = j.requiredText("dataset");
    JsonNode lora = run.path("lora");
    JsonNode training = run.path("training");
    JsonNode quant = run.path("quantization");
    Integer r = j.integer(lora, "lora.r");
    String title =
        baseModel.substring(baseModel.lastIndexOf('/') + 1)
            + (r == null ? "-LoRA" : "-LoRA-r" + r)
            + "-"
            + datasetName(datasetId);

    List<String> tags = new ArrayList<>();
    run.path("tags").forEach(t -> tags.add(t.asText()));
    ModelFacts model =
        new ModelFacts(
            title,
            baseModel,
            j.text(run, "repo_id"),
            j.textOr("license", "apache-2.0"),
            j.textOr("model_language", "en"),
            datasetId,
            datasetName(datasetId),
            tags,
            j.textOr("pipeline_tag", "text-generation"));

    Map<String, Double> fractions = new LinkedHashMap<>();
    run.path("split")
        .fields()
        .forEachRemaining(e -> fractions.put(e.getKey(), e.getValue().asDouble()));
    JsonNode derived = run.path("derived");
    Map<String, Long> splitRows = new LinkedHashMap<>();
    Long trainPairs = j.longValue(derived, "derived.train_pairs_at_70_percent");
    if (trainPairs != null) {
      splitRows.put("train", trainPairs);
    }
    DatasetFacts dataset =
        new DatasetFacts(
            null,
            fractions,
            splitRows,
            true,
            null,
            j.longValue(derived, "derived.answered_pairs_in_MedQuAD_xml"),
            null,
            Map.of(),
            null);

    Integer bits = j.integer(quant, "quantization.bits");
    String quantization =
        quant.isMissingNode()
            ? null
            : j.text(quant, "quant_type")
                + (bits == null ? "" : " " + bits + "-bit")
                + (j.text(quant, "method") == null ? "" : " (" + j.text(quant, "method") + ")");
    Long perEpoch = j.longValue(training, "training.steps_per_epoch");
    Integer effective = j.integer(derived, "derived.implied_effective_batch");
    TrainingFacts facts =
        new TrainingFacts(
            null,
            null,
            quantization,
            r,
            j.number(lora, "lora.alpha"),
            j.number(lora, "lora.dropout"),
            List.of(),
            j.number(training, "training.epochs"),
            perEpoch,
            j.longValue(training, "training.total_steps"),
            null,
            null,
            effective,
            effective != null,
            null,
            null,
            null,
            null,
            null,
            j.integer(training, "training.logging_steps"),
            j.text(training, "eval_strategy"),
            null,
            null);

    JsonNode gen = run.path("generation_eval");
    JsonNode logNode = run.path("training_log");
    Path logCsv = dir.resolve(fileName(logNode, "training_log.csv"));
    Path evalCsv = dir.resolve(fileName(gen, "decoding_eval.csv"));
    EvalFacts eval =
        new EvalFacts(
            j.textOr(gen, "split", "test"),
            j.integer(gen, "generation_eval.max_new_tokens_implied"),
            true,
            null,
            null,
            readDecodingTable(evalCsv),
            List.of(),
            Map.of(),
            null,
            null,
            null);

    JsonNode rep = run.path("reported");
    Reported reported =
        new Reported(
            j.number(rep, "reported.eval_loss_headline"),
            j.number(rep, "reported.perplexity_headline"),
            j.number(rep, "reported.best_eval_loss"),
            j.number(rep, "reported.perplexity_final"));
    return new CardModel(
        dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(),
        CardModel.SourceKind.FIGURES,
        model,
        dataset,
        facts,
        readTrainingLog(logCsv),
        eval,
        reported,
        new Environment(j.text(run, "hardware"), Map.of()),
        null,
        List.of(),
        reference(j, run.path("reference")));
  }

  /** {@code reference}: who published the figures, where, how to cite it, what it left out. */
  private static ReferenceFacts reference(Json j, JsonNode ref) {
    if (!ref.isObject()) {
      return null;
    }
    String title = j.text(ref, "reference.title");
    String author = j.text(ref, "reference.author");
    if (title == null || author == null) {
      throw new BadInputException(
          "run.json: key 'reference' needs 'title' and 'author' (found "
              + (title == null ? "no title" : "no author")
              + ")");
    }
    List<String> notRecorded = new ArrayList<>();
    ref.path("not_recorded").forEach(n -> notRecorded.add(n.asText()));
    try {
      return new ReferenceFacts(
          title,
          author,
          j.text(ref, "reference.url"),
          j.integer(ref, "reference.year"),
          j.text(ref, "reference.citation"),
          notRecorded);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("run.json: key 'reference." + e.getMessage(), e);
    }
  }

  static String datasetName(String datasetId) {
    return datasetId.substring(datasetId.lastIndexOf('/') + 1);
  }

  private static String fileName(JsonNode node, String fallback) {
    String name = node.path("file").asText(fallback);
    if (!name.matches("[A-Za-z0-9_.\\-]+") || name.startsWith(".")) {
      throw new BadInputException("run.json: file '" + name + "' must be a plain file name");
    }
    return name;
  }

  static List<LogRow> readTrainingLog(Path csv) {
    List<LogRow> rows = new ArrayList<>();
    for (Row row : rows(csv, List.of("step", "training_loss", "validation_loss"))) {
      try {
        rows.add(
            new LogRow(
                (long) row.required("step"),
                row.optional("epoch"),
                row.optional("training_loss"),
                row.optional("validation_loss"),
                row.optional("learning_rate"),
                row.optional("grad_norm")));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(csv + ":" + row.line + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }

  static List<StrategyResult> readDecodingTable(Path csv) {
    List<StrategyResult> out = new ArrayList<>();
    for (Row row : rows(csv, List.of("strategy"))) {
      Map<String, MetricValue> metrics = new LinkedHashMap<>();
      for (String column : row.values.keySet()) {
        if (!column.equals("strategy") && !column.equals("n")) {
          metrics.put(column, MetricValue.of(row.required(column)));
        }
      }
      Double n = row.optional("n");
      try {
        out.add(
            new StrategyResult(
                row.values.get("strategy"), n == null ? null : n.intValue(), null, metrics));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(csv + ":" + row.line + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** One CSV row: its line number and its cells by header name. */
  private record Row(Path file, long line, Map<String, String> values) {
    Double optional(String column) {
      String v = values.get(column);
      if (v == null || v.isBlank()) {
        return null;
      }
      try {
        double d = Double.parseDouble(v.trim());
        if (!Double.isFinite(d)) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw new BadInputException(
            file + ":" + line + ": column '" + column + "': expected a number, found '" + v + "'");
      }
    }

    double required(String column) {
      Double d = optional(column);
      if (d == null) {
        throw new BadInputException(
            file + ":" + line + ": column '" + column + "': expected a number, found nothing");
      }
      return d;
    }
  }

  private static List<Row> rows(Path csv, List<String> requiredColumns) {
    if (!Files.isRegularFile(csv)) {
      throw new BadInputException(csv + ": not found");
    }
    CsvMapper mapper = new CsvMapper();
    CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnReordering(false);
    List<Row> rows = new ArrayList<>();
    try (MappingIterator<Map<String, String>> it =
        mapper.readerForMapOf(String.class).with(schema).readValues(csv.toFile())) {
      while (it.hasNextValue()) {
        long line = it.getCurrentLocation().getLineNr();
        Map<String, String> values = it.nextValue();
        for (String c : requiredColumns) {
          if (!values.containsKey(c)) {
            throw new BadInputException(
                csv + ": expected a column '" + c + "', found " + values.keySet());
          }
        }
        rows.add(new Row(csv, line, values));
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException b) {
        throw b;
      }
      throw new BadInputException(csv + ": not a valid CSV table: " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new BadInputException(csv + ": expected at least one row, found none");
    }
    return rows;
  }
}
