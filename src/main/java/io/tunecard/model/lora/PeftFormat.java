package io.tunecard.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.HfKeys;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.Parameter;
import io.tunecard.model.Projection;
import io.tunecard.model.safetensors.Dtype;
import io.tunecard.model.safetensors.SafetensorsFile;
import io.tunecard.model.safetensors.SafetensorsWriter;
import io.tunecard.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * PEFT's on-disk adapter format: {@code adapter_config.json} (the keys peft 0.21 writes) and {@code
 * adapter_model.safetensors} with keys {@code
 * base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight} (r x in) and {@code
 * ...lora_B.weight} (out x r). What {@code PeftModel.from_pretrained} loads, tunecard writes; what
 * PEFT saves for a Llama-family model, tunecard loads. Options tunecard does not compute (DoRA,
 * biases, per-module ranks, extra saved modules) are refused by name.
 */
public final class PeftFormat {
  public static final String CONFIG = "adapter_config.json";
  public static final String WEIGHTS = "adapter_model.safetensors";

  private PeftFormat() {}

  /** Writes both files into {@code dir} (each atomically); the directory is created if needed. */
  public static void save(LoraAdapter adapter, Path dir) throws IOException {
    Files.createDirectories(dir);
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    List<Parameter> params = new ArrayList<>(adapter.parameters());
    params.sort((x, y) -> x.name().compareTo(y.name()));
    for (Parameter p : params) {
      w.add(p.name(), p.value(), Dtype.F32);
    }
    w.write(dir.resolve(WEIGHTS));
    AtomicFiles.writeString(dir.resolve(CONFIG), Jsonl.pretty(configJson(adapter.config())));
  }

  static ObjectNode configJson(LoraConfig c) {
    ObjectNode o = Jsonl.MAPPER.createObjectNode();
    o.putNull("alora_invocation_tokens");
    o.putObject("alpha_pattern");
    o.putNull("arrow_config");
    o.putNull("auto_mapping");
    if (c.baseModelNameOrPath() == null) {
      o.putNull("base_model_name_or_path");
    } else {
      o.put("base_model_name_or_path", c.baseModelNameOrPath());
    }
    o.put("bias", "none");
    o.putNull("corda_config");
    o.put("ensure_weight_tying", false);
    o.putNull("eva_config");
    o.putNull("exclude_modules");
    o.put("fan_in_fan_out", false);
    o.put("inference_mode", true);
    o.put("init_lora_weights", true);
    o.putNull("layer_replication");
    o.putNull("layers_pattern");
    o.putNull("layers_to_transform");
    o.putObject("loftq_config");
    if (c.alpha() == Math.rint(c.alpha())) {
      o.put("lora_alpha", (long) c.alpha());
    } else {
      o.put("lora_alpha", c.alpha());
    }
    o.put("lora_bias", false);
    o.put("lora_dropout", c.dropout());
    o.putNull("megatron_config");
    o.put("megatron_core", "megatron.core");
    o.putNull("modules_to_save");
    o.put("peft_type", "LORA");
    o.put("r", c.r());
    o.putObject("rank_pattern");
    o.putNull("revision");
    ArrayNode targets = o.putArray("target_modules");
    new TreeSet<>(c.targets().stream().map(Projection::hfName).toList()).forEach(targets::add);
    o.putNull("target_parameters");
    o.put("task_type", "CAUSAL_LM");
    o.putNull("trainable_token_indices");
    o.put("use_dora", false);
    o.put("use_rslora", c.useRslora());
    return o;
  }

  /** Loads an adapter directory for a model of shape {@code model}. */
  public static LoraAdapter load(Path dir, MistralConfig model, NDManager parent) {
    Path configFile = dir.resolve(CONFIG);
    Path weights = dir.resolve(WEIGHTS);
    if (!Files.isRegularFile(configFile)) {
      throw new BadInputException(dir + ": not a PEFT adapter (no " + CONFIG + ")");
    }
    if (!Files.isRegularFile(weights)) {
      throw new BadInputException(
          dir
              + ": no "
              + WEIGHTS
              + (Files.exists(dir.resolve("adapter_model.bin"))
                  ? " (adapter_model.bin is not read; save with safetensors)"
                  : ""));
    }
    LoraConfig config;
    try {
      config = readConfig(Jsonl.MAPPER.readTree(configFile.toFile()));
    } catch (IOException e) {
      throw new BadInputException(configFile + ": not valid JSON (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(configFile + ": " + e.getMessage(), e);
    }
    try (SafetensorsFile file = SafetensorsFile.open(weights)) {
      return readWeights(file, model, config, parent);
    }
  }

  static LoraConfig readConfig(JsonNode c) {
    String type = c.path("peft_type").asText("");
    if (!type.equals("LORA")) {
      throw new IllegalArgumentException("peft_type: expected LORA, found '" + type + "'");
    }
    refuse(c, "use_dora", true, "DoRA is not implemented");
    refuse(c, "fan_in_fan_out", true, "expected false for Llama-family linears");
    String bias = c.path("bias").asText("none");
    if (!bias.equals("none")) {
      throw new IllegalArgumentException("bias: only 'none' is implemented, found '" + bias + "'");
    }
    for (String key : List.of("rank_pattern", "alpha_pattern")) {
      if (c.path(key).isObject() && !c.path(key).isEmpty()) {
        throw new IllegalArgumentException(key + ": per-module ranks/alphas are not implemented");
      }
    }
    JsonNode save = c.path("modules_to_save");
    if (save.isArray() && !save.isEmpty()) {
      throw new IllegalArgumentException(
          "modules_to_save: extra trained modules are not implemented, found " + save);
    }
    if (!c.path("r").isIntegralNumber()) {
      throw new IllegalArgumentException("r: required integer");
    }
    JsonNode targetsNode = c.path("target_modules");
    Set<Projection> targets = EnumSet.noneOf(Projection.class);
    if (targetsNode.isArray()) {
      for (JsonNode t : targetsNode) {
        targets.add(Projection.fromHfName(t.asText()));
      }
    } else if (targetsNode.isTextual()) {
      // A regex: the projections are then taken from the tensor names.
      targets = EnumSet.allOf(Projection.class);
    } else {
      throw new IllegalArgumentException("target_modules: expected a list or a pattern");
    }
    return new LoraConfig(
        c.path("r").asInt(),
        c.path("lora_alpha").asDouble(8),
        c.path("lora_dropout").asDouble(0),
        targets,
        c.path("use_rslora").asBoolean(false),
        c.path("base_model_name_or_path").isTextual()
            ? c.path("base_model_name_or_path").asText()
            : null);
  }

  private static void refuse(JsonNode c, String key, boolean bad, String why) {
    if (c.path(key).asBoolean(!bad) == bad) {
      throw new IllegalArgumentException(key + ": " + why);
    }
  }

  private static LoraAdapter readWeights(
      SafetensorsFile file, MistralConfig model, LoraConfig config, NDManager parent) {
    List<Map<Projection, NDArray[]>> found = new ArrayList<>();
    for (int i = 0; i < model.numHiddenLayers(); i++) {
      found.add(new EnumMap<>(Projection.class));
    }
    List<String> unexpected = new ArrayList<>();
    NDManager m = parent.newSubManager();
    try {
      for (TensorInfo t : file.tensors().values()) {
        HfKeys.LoraKey key = HfKeys.parseLora(t.name());
        if (key == null || key.layer() >= model.numHiddenLayers()) {
          unexpected.add(t.name());
          continue;
        }
        int in = key.projection().inFeatures(model);
        int out = key.projection().outFeatures(model);
        long[] want = key.isA() ? new long[] {config.r(), in} : new long[] {out, config.r()};
        if (!Arrays.equals(t.shape(), want)) {
          throw new BadInputException(
              file.path()
                  + ": '"
                  + t.name()
                  + "' has shape "
                  + t.shapeString()
                  + ", expected "
                  + Arrays.toString(want)
                  + " (r="
                  + config.r()
                  + ")");
        }
        NDArray[] pair =
            found.get(key.layer()).computeIfAbsent(key.projection(), k -> new NDArray[2]);
        pair[key.isA() ? 0 : 1] = file.read(t.name(), m, DataType.FLOAT32);
      }
      if (!unexpected.isEmpty()) {
        throw new BadInputException(
            file.path() + ": tensors that are not LoRA weights of this model: " + unexpected);
      }
      Set<Projection> present = EnumSet.noneOf(Projection.class);
      List<Map<Projection, LoraAdapter.Pair>> layers = new ArrayList<>();
      for (int i = 0; i < found.size(); i++) {
        Map<Projection, LoraAdapter.Pair> pairs = new EnumMap<>(Projection.class);
        for (Map.Entry<Projection, NDArray[]> e : found.get(i).entrySet()) {
          NDArray[] ab = e.getValue();
          if (ab[0] == null || ab[1] == null) {
            throw new BadInputException(
                file.path()
                    + ": "
                    + HfKeys.module(i, e.getKey())
                    + " has lora_"
                    + (ab[0] == null ? "B without lora_A" : "A without lora_B"));
          }
          present.add(e.getKey());
          pairs.put(e.getKey(), new LoraAdapter.Pair(ab[0], ab[1]));
        }
        layers.add(pairs);
      }
      if (present.isEmpty()) {
        throw new BadInputException(file.path() + ": no LoRA weights");
      }
      if (!config.targets().containsAll(present)) {
        throw new BadInputException(
            file.path()
                + ": weights for "
                + present
                + " but target_modules lists "
                + config.targets());
      }
      LoraConfig actual =
          new LoraConfig(
              config.r(),
              config.alpha(),
              config.dropout(),
              present,
              config.useRslora(),
              config.baseModelNameOrPath());
      return new LoraAdapter(model, actual, m, layers);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }
}
