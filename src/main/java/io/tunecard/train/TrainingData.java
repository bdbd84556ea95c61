package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.Projection;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.lora.LoraConfig;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.WorkerSpec;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;

/**
 * The rows a training child works on, formatted by the base's chat template and tokenized: the
 * train split (its first {@code data.train_limit} rows) and, when given, the validation split (its
 * first {@code data.validation_limit} rows).
 *
 * @param validation null when the spec names no validation split
 */
record TrainingData(
    EncodedSplit train,
    EncodedSplit validation,
    SpecialIds ids,
    LoraConfig loraConfig,
    Path trainFile,
    Path validationFile) {

  static TrainingData load(WorkerSpec spec, WorkerBase base) {
    JsonNode data = spec.section("data");
    int maxSeqLen = base.maxSeqLen();
    ChatTemplate template = base.template();
    Path trainFile = Path.of(data.path("train").asText());
    EncodedSplit train = encode(template, trainFile, limit(data, "train_limit"), maxSeqLen, base);
    if (train.examples().isEmpty()) {
      throw new BadInputException(
          trainFile + ": no row leaves an answer token within model.max_seq_len " + maxSeqLen);
    }
    Path valFile =
        data.path("validation").isTextual() ? Path.of(data.get("validation").asText()) : null;
    EncodedSplit val =
        valFile == null
            ? null
            : encode(template, valFile, limit(data, "validation_limit"), maxSeqLen, base);
    if (val != null && val.examples().isEmpty()) {
      val = null;
    }
    return new TrainingData(train, val, base.ids(), loraConfig(spec, base), trainFile, valFile);
  }

  /** The pad id as the batching code takes it. */
  int padId() {
    return Math.toIntExact(ids.pad());
  }

  private static Integer limit(JsonNode data, String key) {
    return data.path(key).isIntegralNumber() ? data.get(key).asInt() : null;
  }

  private static EncodedSplit encode(
      ChatTemplate template, Path file, Integer limit, int maxSeqLen, WorkerBase base) {
    EncodedSplit split = EncodedSplit.of(template, QaRow.read(file, limit), maxSeqLen);
    int vocab = base.config().vocabSize();
    for (Example e : split.examples()) {
      for (int id : e.ids()) {
        if (id < 0 || id >= vocab) {
          throw new BadInputException(
              base.tokenizerFile()
                  + ": produces id "
                  + id
                  + ", outside the model's vocabulary of "
                  + vocab
                  + " ("
                  + base.dir().resolve("config.json")
                  + "); the tokenizer does not belong to this model");
        }
      }
    }
    return split;
  }

  private static LoraConfig loraConfig(WorkerSpec spec, WorkerBase base) {
    JsonNode lora = spec.section("lora");
    if (lora.isMissingNode()) {
      return null;
    }
    EnumSet<Projection> targets = EnumSet.noneOf(Projection.class);
    lora.path("targets").forEach(t -> targets.add(Projection.fromHfName(t.asText())));
    return new LoraConfig(
            lora.path("r").asInt(),
            lora.path("alpha").asDouble(),
            lora.path("dropout").asDouble(),
            targets)
        .withBaseModel(spec.section("model").path("base").asText());
  }

  /** Every optimizer step of the run. */
  BatchPlan plan(JsonNode train, long seed) {
    int[] lengths = train().examples().stream().mapToInt(Example::length).toArray();
    JsonNode maxSteps = train.path("max_steps");
    return BatchPlan.of(
        lengths,
        train.path("micro_batch").asInt(),
        train.path("grad_accum").asInt(),
        train.path("epochs").asDouble(),
        maxSteps.isIntegralNumber() ? maxSteps.asInt() : null,
        seed);
  }

  /** The data statistics as log lines (truncation counted, as the hf worker reports it). */
  void log(EventWriter events) {
    events.log(
        "info", String.format(Locale.ROOT, "train split %s: %s", trainFile, train.stats().json()));
    if (train.stats().truncated() > 0) {
      events.log(
          "info",
          String.format(
              Locale.ROOT,
              "%d of %d training rows (%.1f %%) were cut at model.max_seq_len",
              train.stats().truncated(),
              train.stats().rows(),
              100.0 * train.stats().truncated() / train.stats().rows()));
    }
    if (validation != null) {
      events.log(
          "info",
          String.format(
              Locale.ROOT, "validation split %s: %s", validationFile, validation.stats().json()));
    }
  }
}
