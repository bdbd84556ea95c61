package io.tunecard.model;

import java.util.Locale;

/** The seven linear projections of a Llama-family decoder layer, the places LoRA can attach. */
public enum Projection {
  Q_PROJ("self_attn"),
  K_PROJ("self_attn"),
  V_PROJ("self_attn"),
  O_PROJ("self_attn"),
  GATE_PROJ("mlp"),
  UP_PROJ("mlp"),
  DOWN_PROJ("mlp");

  private final String module;

  Projection(String module) {
    this.module = module;
  }

  /** The Hugging Face module name: {@code q_proj}, ..., {@code down_proj}. */
  public String hfName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The parent module: {@code self_attn} or {@code mlp}. */
  public String module() {
    return module;
  }

  public int inFeatures(MistralConfig c) {
    return switch (this) {
      case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> c.hiddenSize();
      case O_PROJ -> c.numAttentionHeads() * c.headDim();
      case DOWN_PROJ -> c.intermediateSize();
    };
  }

  public int outFeatures(MistralConfig c) {
    return switch (this) {
      case Q_PROJ -> c.numAttentionHeads() * c.headDim();
      case K_PROJ, V_PROJ -> c.numKeyValueHeads() * c.headDim();
      case O_PROJ, DOWN_PROJ -> c.hiddenSize();
      case GATE_PROJ, UP_PROJ -> c.intermediateSize();
    };
  }

  public static Projection fromHfName(String name) {
    for (Projection p : values()) {
      if (p.hfName().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown projection '"
            + name
            + "' (expected q_proj, k_proj, v_proj, o_proj, gate_proj,"
            + " up_proj or down_proj)");
  }
}
