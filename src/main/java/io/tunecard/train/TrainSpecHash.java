package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code train_spec_sha256}: what must not change between a checkpoint and a run resuming from it
 * (the model, lora and train keys except logging, evaluation and retention intervals; the train
 * split's content and limit; the seed), as the hf worker defines it. A resume under a different
 * hash is refused.
 */
final class TrainSpecHash {
  private static final List<String> FREE =
      List.of("log_every", "eval_every_steps", "save_every_steps", "keep_last");
  private static final List<String> MODEL_KEYS =
      List.of("base", "tokenizer", "quantization", "dtype", "max_seq_len", "chat_template");

  private TrainSpecHash() {}

  static String of(WorkerSpec spec) {
    ObjectNode keep = Jsonl.MAPPER.createObjectNode();
    ObjectNode model = keep.putObject("model");
    JsonNode m = spec.section("model");
    MODEL_KEYS.forEach(k -> model.set(k, m.path(k).isMissingNode() ? null : m.get(k)));
    keep.set("lora", spec.section("lora"));
    ObjectNode train = spec.section("train").deepCopy();
    FREE.forEach(train::remove);
    keep.set("train", train);
    JsonNode data = spec.section("data");
    ObjectNode d = keep.putObject("data");
    d.put("train_sha256", sha256(Path.of(data.path("train").asText())));
    d.set("limit", data.path("train_limit").isMissingNode() ? null : data.get("train_limit"));
    keep.put("seed", spec.seed());
    return WorkflowLoader.sha256(
        WorkflowLoader.canonicalJson(keep).getBytes(StandardCharsets.UTF_8));
  }

  /** The hex SHA-256 of a file's bytes. */
  static String sha256(Path file) {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
      MessageDigest md = ((DigestInputStream) in).getMessageDigest();
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
