package io.tunecard.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.LoraSpec;
import io.tunecard.workflow.ModelSpec;
import io.tunecard.workflow.ScratchSpec;
import io.tunecard.workflow.Setting;
import io.tunecard.workflow.StrategySpec;
import io.tunecard.workflow.TrainSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the bounds of spec.schema.json from the workflow's declarations: each key of the worker
 * spec that carries a workflow setting takes its type and bounds (or allowed values) from that
 * {@link Setting}, so the worker (which reads the committed file) and the workflow refuse the same
 * values. The rest of the schema (the protocol's own keys, descriptions, which keys may be null) is
 * written by hand in the file. {@code SpecSchemaTest} fails when the committed file differs from
 * what {@link #refresh} writes; {@link #main} rewrites it.
 */
public final class SpecSchema {
  /** The committed schema, relative to the repository root. */
  public static final Path FILE =
      Path.of("src/main/python/tunecard_worker/schemas/spec.schema.json");

  /** The keywords a declaration writes; a mapped key's other keywords are kept. */
  private static final Set<String> DECLARED =
      Set.of(
          "type",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "enum",
          "minItems",
          "uniqueItems",
          "items");

  /**
   * Where each workflow setting sits in the spec, as {@link WorkerSpecs} writes it: property names
   * joined by dots, {@code []} for an array's items.
   */
  static final Map<String, Setting<?>> KEYS = keys();

  private SpecSchema() {}

  private static Map<String, Setting<?>> keys() {
    Map<String, Setting<?>> k = new LinkedHashMap<>();
    k.put("engine", TrainSpec.ENGINE);
    k.put("device", TrainSpec.DEVICE);
    k.put("seed", TrainSpec.SEED);
    k.put("model.quantization", ModelSpec.QUANTIZATION_KEY);
    k.put("model.nf4_backend", ModelSpec.NF4_BACKEND);
    k.put("model.dtype", ModelSpec.DTYPE);
    k.put("model.max_seq_len", ModelSpec.MAX_SEQ_LEN);
    k.put("model.chat_template", ModelSpec.CHAT_TEMPLATE);
    k.put("model.scratch.hidden_size", ScratchSpec.HIDDEN_SIZE);
    k.put("model.scratch.intermediate_size", ScratchSpec.INTERMEDIATE_SIZE);
    k.put("model.scratch.layers", ScratchSpec.LAYERS);
    k.put("model.scratch.heads", ScratchSpec.HEADS);
    k.put("model.scratch.kv_heads", ScratchSpec.KV_HEADS);
    k.put("model.scratch.head_dim", ScratchSpec.HEAD_DIM);
    k.put("model.scratch.rope_theta", ScratchSpec.ROPE_THETA);
    k.put("model.scratch.rms_norm_eps", ScratchSpec.RMS_NORM_EPS);
    k.put("model.scratch.steps", ScratchSpec.PRETRAIN_STEPS);
    k.put("model.scratch.batch", ScratchSpec.PRETRAIN_BATCH);
    k.put("model.scratch.seq_len", ScratchSpec.PRETRAIN_SEQ_LEN);
    k.put("model.scratch.lr", ScratchSpec.PRETRAIN_LR);
    for (Setting<?> s : LoraSpec.SETTINGS) {
      k.put("lora." + s.key(), s);
    }
    k.put("data.train_limit", TrainSpec.LIMIT);
    k.put("data.validation_limit", TrainSpec.EVAL_LIMIT);
    for (Setting<?> s :
        List.of(
            TrainSpec.EPOCHS,
            TrainSpec.MAX_STEPS,
            TrainSpec.MICRO_BATCH,
            TrainSpec.GRAD_ACCUM,
            TrainSpec.LR,
            TrainSpec.SCHEDULE,
            TrainSpec.WARMUP_RATIO,
            TrainSpec.WEIGHT_DECAY,
            TrainSpec.ADAM_BETA1,
            TrainSpec.ADAM_BETA2,
            TrainSpec.ADAM_EPS,
            TrainSpec.MAX_GRAD_NORM,
            TrainSpec.LOG_EVERY,
            TrainSpec.KEEP_LAST,
            TrainSpec.BATCHING_KEY)) {
      k.put("train." + s.key(), s);
    }
    k.put("generate.compare_base", EvalSpec.COMPARE_BASE);
    k.put("generate.max_new_tokens", EvalSpec.MAX_NEW_TOKENS);
    k.put("generate.batch", EvalSpec.GENERATE_BATCH);
    for (Setting<?> s : StrategySpec.SETTINGS) {
      k.put("generate.strategies[]." + s.key(), s);
    }
    k.put("eval_loss.batch", EvalSpec.BATCH);
    k.put("bertscore.layer", BertScoreSpec.LAYER);
    k.put("bertscore.batch", BertScoreSpec.BATCH);
    k.put("bertscore.rescale_with_baseline", BertScoreSpec.RESCALE_WITH_BASELINE);
    k.put("bertscore.dtype", BertScoreSpec.DTYPE);
    return k;
  }

  /** Rewrites the committed schema (run from the repository root). */
  public static void main(String[] args) throws IOException {
    Path file = args.length > 0 ? Path.of(args[0]) : FILE;
    Files.writeString(file, refresh(Files.readString(file, StandardCharsets.UTF_8)));
  }

  /** {@code schemaText} with every mapped key's type and bounds taken from its declaration. */
  public static String refresh(String schemaText) {
    JsonNode root;
    try {
      root = Jsonl.MAPPER.readTree(schemaText);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Map.Entry<String, Setting<?>> e : KEYS.entrySet()) {
      ObjectNode parent = parentOf(root, e.getKey());
      String name = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      parent.set(name, declared((ObjectNode) parent.get(name), e.getValue()));
    }
    StringBuilder out = new StringBuilder();
    write(root, "", false, out);
    return out.append('\n').toString();
  }

  /** The {@code properties} object that holds the last name of {@code path}. */
  private static ObjectNode parentOf(JsonNode root, String path) {
    JsonNode node = root;
    String[] names = path.split("\\.");
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      boolean items = name.endsWith("[]");
      node = node.path("properties");
      if (i == names.length - 1) {
        if (!node.path(name).isObject()) {
          throw new IllegalStateException(FILE + ": no key " + path);
        }
        return (ObjectNode) node;
      }
      node = node.path(items ? name.substring(0, name.length() - 2) : name);
      if (items) {
        node = node.path("items");
      }
    }
    throw new IllegalStateException(FILE + ": no key " + path);
  }

  /**
   * The declaration's keywords, then the key's own others (its description). A key the file lets be
   * null keeps {@code null} among its types.
   */
  private static ObjectNode declared(ObjectNode committed, Setting<?> setting) {
    ObjectNode out = setting.schema();
    JsonNode type = committed.path("type");
    boolean nullable = type.isArray() && type.toString().contains("\"null\"");
    if (nullable && out.has("type")) {
      ArrayNode types = Jsonl.MAPPER.createArrayNode().add(out.get("type").asText()).add("null");
      ObjectNode reordered = Jsonl.MAPPER.createObjectNode().set("type", types);
      out.remove("type");
      reordered.setAll(out);
      out = reordered;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = committed.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (!DECLARED.contains(f.getKey())) {
        out.set(f.getKey(), f.getValue());
      }
    }
    return out;
  }

  /**
   * The file's layout: the members of an object that holds {@code properties}, and of a {@code
   * properties} object itself, one per line; any other value on one line.
   */
  private static void write(JsonNode node, String indent, boolean expand, StringBuilder out) {
    if (node.isObject() && (expand || holdsProperties(node))) {
      out.append("{\n");
      String inner = indent + "  ";
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        out.append(inner).append(quote(f.getKey())).append(": ");
        write(f.getValue(), inner, f.getKey().equals("properties"), out);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (node.isObject()) {
      out.append('{');
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        out.append(quote(f.getKey())).append(": ");
        write(f.getValue(), indent, false, out);
        out.append(it.hasNext() ? ", " : "");
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        write(node.get(i), indent, false, out);
        out.append(i + 1 < node.size() ? ", " : "");
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  private static boolean holdsProperties(JsonNode node) {
    if (node.has("properties")) {
      return true;
    }
    for (JsonNode child : node) {
      if (child.isObject() && holdsProperties(child)) {
        return true;
      }
    }
    return false;
  }

  private static String quote(String s) {
    return Jsonl.MAPPER.getNodeFactory().textNode(s).toString();
  }
}
