package io.tunecard.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.ModelLocator;
import io.tunecard.model.SpecialIds;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The base model a worker spec names, located and its small files read: the model directory (a
 * local directory, or a Hub id in the local cache via {@link ModelLocator}), its config, and its
 * chat template over the tokenizer ({@code model.tokenizer}, else the directory's tokenizer.json),
 * with the special ids. The weights themselves are loaded by the caller.
 */
record WorkerBase(
    Path dir,
    MistralConfig config,
    Path tokenizerFile,
    ChatTemplate template,
    LoadOptions loadOptions,
    int maxSeqLen)
    implements AutoCloseable {

  static WorkerBase open(JsonNode model) {
    String base = model.path("base").asText();
    Path dir = Files.isDirectory(Path.of(base)) ? Path.of(base) : ModelLocator.resolve(base);
    MistralConfig config = MistralConfig.read(dir);
    JsonNode tok = model.path("tokenizer");
    Path tokenizerFile = tok.isTextual() ? Path.of(tok.asText()) : dir.resolve("tokenizer.json");
    String dtype = model.path("dtype").asText("auto");
    if (!dtype.equals("auto") && !dtype.equals("fp32")) {
      throw new BadInputException(
          "model.dtype: the djl engine trains in fp32 on the CPU (DJL casts are not"
              + " differentiable and DJL has no bf16); found '"
              + dtype
              + "' (use auto or fp32, or train.engine hf)");
    }
    LoadOptions options =
        switch (model.path("quantization").asText("none")) {
          case "nf4" -> LoadOptions.nf4All();
          default -> LoadOptions.fp32();
        };
    ChatTemplate template =
        ChatTemplate.load(
            dir,
            tokenizerFile,
            config,
            model.path("chat_template").asText(ChatTemplate.DEFAULT_FALLBACK));
    return new WorkerBase(
        dir, config, tokenizerFile, template, options, model.path("max_seq_len").asInt());
  }

  SpecialIds ids() {
    return template.ids();
  }

  /** The pad id as the batching code takes it. */
  int padId() {
    return Math.toIntExact(template.ids().pad());
  }

  @Override
  public void close() {
    template.close();
  }
}
