package io.tunecard.pipeline;

import java.util.List;

/**
 * The stages of a workflow, in order. Each names the packages whose code it runs, so that its cache
 * key changes with its code and only with its code.
 */
public enum Stage {
  INGEST("ingest", List.of("io.tunecard.ingest", "io.tunecard.files", "io.tunecard.rundir")),
  BASE("base", List.of("io.tunecard.tokenize", "io.tunecard.model", "io.tunecard.train")),
  TRAIN(
      "train",
      List.of(
          "io.tunecard.train", "io.tunecard.model", "io.tunecard.worker", "io.tunecard.tokenize")),
  EVALUATE(
      "evaluate",
      List.of(
          "io.tunecard.evaluate",
          "io.tunecard.metrics",
          "io.tunecard.model",
          "io.tunecard.worker")),
  CARD("card", List.of("io.tunecard.card")),
  PUBLISH("publish", List.of("io.tunecard.publish"));

  private final String key;
  private final List<String> packages;

  Stage(String key, List<String> packages) {
    this.key = key;
    this.packages = packages;
  }

  /** The stage's name in the CLI ({@code --force train}) and in manifest.json. */
  public String key() {
    return key;
  }

  public List<String> packages() {
    return packages;
  }

  public static Stage of(String key) {
    for (Stage s : values()) {
      if (s.key.equals(key)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown stage '"
            + key
            + "'; expected one of ingest, base, train, evaluate, card, publish");
  }
}
