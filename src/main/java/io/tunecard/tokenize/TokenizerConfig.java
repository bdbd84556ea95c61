package io.tunecard.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a model directory's {@code tokenizer_config.json} says about chat: its {@code chat_template}
 * (a string, or transformers' list of named templates, of which {@code default} is used; else the
 * directory's {@code chat_template.jinja}) and the special-token strings the template sees as
 * {@code bos_token}, {@code eos_token}, {@code unk_token} and {@code pad_token} (each a string or
 * an {@code {"content": ...}} object). Every field is null when the directory does not say.
 *
 * @param file where the template came from (for error messages), null when there is none
 */
public record TokenizerConfig(
    String chatTemplate,
    String bosToken,
    String eosToken,
    String unkToken,
    String padToken,
    String file) {

  public static final String FILE = "tokenizer_config.json";
  public static final String TEMPLATE_FILE = "chat_template.jinja";

  /** The templates tunecard carries, for bases that have none ({@code model.chat_template}). */
  public static final List<String> BUNDLED = List.of("mistral-inst");

  public static final TokenizerConfig NONE =
      new TokenizerConfig(null, null, null, null, null, null);

  /** Reads {@code dir}'s tokenizer config; a directory without one gives {@link #NONE}. */
  public static TokenizerConfig read(Path dir) {
    Path json = dir.resolve(FILE);
    Path jinja = dir.resolve(TEMPLATE_FILE);
    JsonNode root = null;
    if (Files.isRegularFile(json)) {
      try {
        root = Jsonl.readTree(json);
      } catch (IOException e) {
        throw new BadInputException(json + ": not readable JSON (" + e.getMessage() + ")", e);
      }
      if (root == null || !root.isObject()) {
        throw new BadInputException(json + ": expected a JSON object");
      }
    }
    String template = root == null ? null : template(json, root.path("chat_template"));
    String from = template == null ? null : json.toString();
    if (template == null && Files.isRegularFile(jinja)) {
      try {
        template = Files.readString(jinja, StandardCharsets.UTF_8);
        from = jinja.toString();
      } catch (IOException e) {
        throw new BadInputException(jinja + ": cannot read (" + e.getMessage() + ")", e);
      }
    }
    if (root == null) {
      return new TokenizerConfig(template, null, null, null, null, from);
    }
    return new TokenizerConfig(
        template,
        token(json, root, "bos_token"),
        token(json, root, "eos_token"),
        token(json, root, "unk_token"),
        token(json, root, "pad_token"),
        from);
  }

  private static String template(Path file, JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isArray()) {
      for (JsonNode t : node) {
        if ("default".equals(t.path("name").asText(null)) && t.path("template").isTextual()) {
          return t.get("template").asText();
        }
      }
    }
    throw new BadInputException(
        file
            + ": key 'chat_template': expected a string or a list of {name, template} with a"
            + " 'default' entry, found "
            + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
  }

  private static String token(Path file, JsonNode root, String key) {
    JsonNode n = root.path(key);
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isObject() && n.path("content").isTextual()) {
      return n.get("content").asText();
    }
    throw new BadInputException(
        file + ": key '" + key + "': expected a string or an object with 'content', found " + n);
  }

  /** A template tunecard carries ({@link #BUNDLED}), as its Jinja source. */
  public static String bundled(String name) {
    if (!BUNDLED.contains(name)) {
      throw new BadInputException(
          "model.chat_template: '"
              + name
              + "' is not one of "
              + BUNDLED
              + " (found '"
              + name
              + "')");
    }
    String resource = "chat-templates/" + name + ".jinja";
    try (InputStream in = TokenizerConfig.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + resource, e);
    }
  }

  /**
   * Writes the {@code tokenizer_config.json} of a tokenizer tunecard trained ({@link
   * SpecialTokens}) into {@code dir}, with the bundled template {@code templateName}, so that
   * transformers' {@code AutoTokenizer} loads the directory and {@code apply_chat_template} renders
   * the prompts the model was trained on.
   */
  public static void writeForScratch(Path dir, String templateName, int maxLength)
      throws IOException {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.put("tokenizer_class", "PreTrainedTokenizerFast");
    o.put("bos_token", SpecialTokens.BOS);
    o.put("eos_token", SpecialTokens.EOS);
    o.put("unk_token", SpecialTokens.UNK);
    o.put("pad_token", SpecialTokens.PAD);
    o.put("clean_up_tokenization_spaces", false);
    o.put("model_max_length", maxLength);
    o.put("chat_template", bundled(templateName));
    AtomicFiles.writeString(dir.resolve(FILE), Jsonl.pretty(o));
  }
}
