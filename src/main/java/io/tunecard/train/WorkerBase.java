package io.tunecard.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.model.LoadOptions;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.ModelLocator;
import io.tunecard.tokenize.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The base model a worker spec names, located and its small files read: the model directory (a
 * local directory, or a Hub id in the local cache via {@link ModelLocator}), its config, the
 * tokenizer ({@code model.tokenizer}, else the directory's tokenizer.json) loaded through DJL, and
 * the chat template's special ids. The weights themselves are loaded by the caller.
 */
record WorkerBase(
    Path dir,
    MistralConfig config,
    Path tokenizerFile,
    HuggingFaceTokenizer tokenizer,
    SpecialIds ids,
    LoadOptions loadOptions,
    int maxSeqLen)
    implements AutoCloseable {

  static WorkerBase open(JsonNode model) {
    String base = model.path("base").asText();
    Path dir = Files.isDirectory(Path.of(base)) ? Path.of(base) : ModelLocator.resolve(base);
    MistralConfig config = MistralConfig.read(dir);
    JsonNode tok = model.path("tokenizer");
    Path tokenizerFile = tok.isTextual() ? Path.of(tok.asText()) : dir.resolve("tokenizer.json");
    HuggingFaceTokenizer tokenizer = TokenizerFiles.load(tokenizerFile);
    SpecialIds ids;
    try {
      ids = SpecialIds.of(config, tokenizer, tokenizerFile);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    LoadOptions options =
        switch (model.path("quantization").asText("none")) {
          case "nf4" -> LoadOptions.nf4All();
          default -> LoadOptions.fp32();
        };
    String dtype = model.path("dtype").asText("auto");
    if (!dtype.equals("auto") && !dtype.equals("fp32")) {
      tokenizer.close();
      throw new BadInputException(
          "model.dtype: the djl engine trains in fp32 on the CPU (DJL casts are not"
              + " differentiable and DJL has no bf16); found '"
              + dtype
              + "' (use auto or fp32, or train.engine hf)");
    }
    return new WorkerBase(
        dir, config, tokenizerFile, tokenizer, ids, options, model.path("max_seq_len").asInt());
  }

  ChatTemplate template() {
    return new ChatTemplate(tokenizer, ids);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
