package io.tunecard.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writing and loading {@code tokenizer.json} files. Loading goes through DJL's Hugging Face
 * tokenizers (the library the training and generation stages use); any failure — missing file,
 * broken JSON, a file the library rejects — is a {@link BadInputException} naming the file.
 */
public final class TokenizerFiles {
  /** DJL options: ids exactly as the text encodes, no truncation or padding. */
  static final Map<String, String> OPTIONS =
      Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

  private TokenizerFiles() {}

  /** Writes {@code model} as a Hugging Face {@code tokenizer.json}, atomically. */
  public static void write(Path file, BpeModel model) throws IOException {
    AtomicFiles.writeString(file, TokenizerJson.write(model));
  }

  /**
   * Loads a {@code tokenizer.json} with DJL; close the tokenizer when done. Encode with {@code
   * encode(text, false, false)} and decode with {@code decode(ids, false)} to keep special tokens.
   */
  public static HuggingFaceTokenizer load(Path file) {
    parse(file);
    try {
      return HuggingFaceTokenizer.newInstance(file, OPTIONS);
    } catch (IOException | RuntimeException e) {
      throw new BadInputException(
          file
              + ": not a tokenizer the Hugging Face tokenizers library can load ("
              + reason(e)
              + ")",
          e);
    }
  }

  /** Reads a {@code tokenizer.json} that tunecard wrote, for the pure-Java {@link BpeEncoder}. */
  public static BpeModel readModel(Path file) {
    JsonNode root = parse(file);
    try {
      return TokenizerJson.read(root);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(file + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode parse(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": file not found (expected a tokenizer.json)");
    }
    try {
      JsonNode root = Jsonl.readTree(file);
      if (root == null || !root.isObject()) {
        throw new BadInputException(file + ": expected a JSON object (a tokenizer.json)");
      }
      return root;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      throw new BadInputException(m.startsWith(file.toString()) ? m : file + ": " + m, e);
    }
  }

  private static String reason(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
