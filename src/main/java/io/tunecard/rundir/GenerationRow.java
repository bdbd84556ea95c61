package io.tunecard.rundir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code eval/generations/<strategy>.jsonl} or {@code eval/generations-base/} (and of
 * the hf evaluate worker's answer files, which have the same shape): docs/run-directory.md. Its
 * {@link #toJsonLine} is how every row is written, {@link #readAll} how every reader reads one. A
 * key a row lacks reads as null (readers decide which keys they need); a value of the wrong type is
 * bad input naming the file, the line and the key.
 *
 * @param tokens new tokens before EOS
 * @param hitCap no EOS within max_new_tokens
 */
public record GenerationRow(
    String id,
    String question,
    String reference,
    String prediction,
    Integer tokens,
    Boolean hitCap) {

  /** The JSON line, keys in the documented order. */
  public String toJsonLine() {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("id", id);
    o.put("question", question);
    o.put("reference", reference);
    o.put("prediction", prediction);
    o.put("tokens", tokens);
    o.put("hit_cap", hitCap);
    return Jsonl.write(o);
  }

  /** Every row of {@code file}; a line that is no JSON object, or a wrong type, is bad input. */
  public static List<GenerationRow> readAll(Path file) {
    List<JsonNode> lines;
    try {
      lines = Jsonl.readAll(file);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    List<GenerationRow> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      rows.add(fromLine(file, i + 1, lines.get(i)));
    }
    return rows;
  }

  /** The row on line {@code line} of {@code file}. */
  static GenerationRow fromLine(Path file, int line, JsonNode r) {
    JsonNode tokens = r.path("tokens");
    if (present(tokens) && !(tokens.canConvertToInt() && tokens.intValue() >= 0)) {
      throw wrong(file, line, "tokens", "a count", tokens);
    }
    JsonNode hit = r.path("hit_cap");
    if (present(hit) && !hit.isBoolean()) {
      throw wrong(file, line, "hit_cap", "true or false", hit);
    }
    return new GenerationRow(
        text(file, line, r, "id"),
        text(file, line, r, "question"),
        text(file, line, r, "reference"),
        text(file, line, r, "prediction"),
        present(tokens) ? tokens.intValue() : null,
        present(hit) ? hit.booleanValue() : null);
  }

  private static String text(Path file, int line, JsonNode r, String key) {
    JsonNode v = r.path(key);
    if (!present(v)) {
      return null;
    }
    if (!v.isTextual()) {
      throw wrong(file, line, key, "text", v);
    }
    return v.asText();
  }

  private static boolean present(JsonNode v) {
    return !v.isMissingNode() && !v.isNull();
  }

  private static BadInputException wrong(
      Path file, int line, String key, String expected, JsonNode found) {
    return new BadInputException(
        file + ":" + line + ": key '" + key + "': expected " + expected + ", found " + found);
  }
}
