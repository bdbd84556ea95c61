package io.tunecard.model;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every Hugging Face and PEFT tensor name tunecard reads or writes, verbatim, in one place.
 *
 * <pre>
 * model.embed_tokens.weight
 * model.layers.{i}.input_layernorm.weight
 * model.layers.{i}.self_attn.{q,k,v,o}_proj.weight
 * model.layers.{i}.post_attention_layernorm.weight
 * model.layers.{i}.mlp.{gate,up,down}_proj.weight
 * model.norm.weight
 * lm_head.weight                                  (absent when tie_word_embeddings)
 * base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight   (PEFT adapter, r x in)
 * base_model.model.model.layers.{i}.self_attn.q_proj.lora_B.weight   (PEFT adapter, out x r)
 * </pre>
 */
public final class HfKeys {
  public static final String EMBED_TOKENS = "model.embed_tokens.weight";
  public static final String FINAL_NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";
  private static final String PEFT_PREFIX = "base_model.model.";
  private static final Pattern PEFT_KEY =
      Pattern.compile(
          "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.([a-z_]+)\\.lora_([AB])"
              + "(?:\\.[A-Za-z0-9_]+)?\\.weight");

  private HfKeys() {}

  public static String inputNorm(int layer) {
    return "model.layers." + layer + ".input_layernorm.weight";
  }

  public static String postAttentionNorm(int layer) {
    return "model.layers." + layer + ".post_attention_layernorm.weight";
  }

  /** {@code model.layers.{i}.self_attn.q_proj.weight} and its siblings. */
  public static String weight(int layer, Projection p) {
    return module(layer, p) + ".weight";
  }

  /** {@code model.layers.{i}.mlp.down_proj}: the module path PEFT's names extend. */
  public static String module(int layer, Projection p) {
    return "model.layers." + layer + "." + p.module() + "." + p.hfName();
  }

  public static String loraA(int layer, Projection p) {
    return PEFT_PREFIX + module(layer, p) + ".lora_A.weight";
  }

  public static String loraB(int layer, Projection p) {
    return PEFT_PREFIX + module(layer, p) + ".lora_B.weight";
  }

  /** Every base-model tensor name of {@code config}, in checkpoint order. */
  public static Set<String> baseModel(MistralConfig config) {
    Set<String> names = new LinkedHashSet<>();
    names.add(EMBED_TOKENS);
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      names.add(inputNorm(i));
      for (Projection p : Projection.values()) {
        names.add(weight(i, p));
      }
      names.add(postAttentionNorm(i));
    }
    names.add(FINAL_NORM);
    if (!config.tieWordEmbeddings()) {
      names.add(LM_HEAD);
    }
    return names;
  }

  /** A parsed PEFT LoRA tensor name. */
  public record LoraKey(int layer, Projection projection, boolean isA) {}

  /**
   * Parses a PEFT key (with or without an adapter name such as {@code .default} before {@code
   * .weight}); null when {@code key} is not a LoRA weight of a decoder projection.
   */
  public static LoraKey parseLora(String key) {
    Matcher m = PEFT_KEY.matcher(key);
    if (!m.matches()) {
      return null;
    }
    Projection p;
    try {
      p = Projection.fromHfName(m.group(3));
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!p.module().equals(m.group(2))) {
      return null;
    }
    return new LoraKey(Integer.parseInt(m.group(1)), p, m.group(4).equals("A"));
  }
}
