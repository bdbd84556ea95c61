package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code base/tunecard_base.json}: the hash of what a pre-trained scratch base was made from (the
 * size and pre-training settings, the tokenizer file, the chat template written beside it, the
 * train split, the seed), written inside the base directory before it is renamed into place. A
 * complete base whose stamp matches the current inputs is reused; any other is rebuilt.
 */
final class BaseStamp {
  static final String FILE = "tunecard_base.json";

  /** The pre-training recipe's version: raise it when Pretraining changes what it makes. */
  static final int RECIPE = 2;

  /** The files a complete base directory holds (besides metrics.jsonl, copied in by the parent). */
  static final List<String> FILES =
      List.of(
          "config.json",
          "model.safetensors",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          FILE);

  private BaseStamp() {}

  static String inputsHash(WorkerSpec pretrainSpec) {
    ObjectNode keep = Jsonl.MAPPER.createObjectNode();
    JsonNode model = pretrainSpec.section("model");
    keep.set("scratch", model.path("scratch"));
    keep.set("chat_template", model.path("chat_template"));
    keep.put("tokenizer_sha256", TrainSpecHash.sha256(Path.of(model.path("tokenizer").asText())));
    JsonNode data = pretrainSpec.section("data");
    keep.put("train_sha256", TrainSpecHash.sha256(Path.of(data.path("train").asText())));
    keep.set(
        "train_limit", data.path("train_limit").isMissingNode() ? null : data.get("train_limit"));
    keep.put("seed", pretrainSpec.seed());
    keep.put("recipe", RECIPE);
    return WorkflowLoader.sha256(
        WorkflowLoader.canonicalJson(keep).getBytes(StandardCharsets.UTF_8));
  }

  static void write(Path baseDir, String inputsHash) throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("inputs_sha256", inputsHash);
    AtomicFiles.writeString(baseDir.resolve(FILE), Jsonl.pretty(o));
  }

  /** Why {@code baseDir} cannot be reused for {@code inputsHash}, or null when it can. */
  static String staleReason(Path baseDir, String inputsHash) {
    if (!Files.isDirectory(baseDir)) {
      return "no base yet";
    }
    for (String f : FILES) {
      if (!Files.isRegularFile(baseDir.resolve(f))) {
        return baseDir.resolve(f) + " is missing";
      }
    }
    try {
      String recorded = Jsonl.readTree(baseDir.resolve(FILE)).path("inputs_sha256").asText();
      return recorded.equals(inputsHash)
          ? null
          : "it was pre-trained from other inputs (settings, tokenizer or train split changed)";
    } catch (IOException e) {
      return baseDir.resolve(FILE) + " is unreadable (" + e.getMessage() + ")";
    }
  }
}
