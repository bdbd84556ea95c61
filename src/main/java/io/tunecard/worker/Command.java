package io.tunecard.worker;

import java.util.Arrays;

/** What a worker child is asked to do; {@link #wire()} is the name on its command line and spec. */
public enum Command {
  /** Pre-train the tiny scratch base as a plain language model. */
  PRETRAIN("pretrain"),
  /** The LoRA fine-tune, resuming from the last complete checkpoint. */
  TRAIN("train"),
  /** Validation loss of the base and of chosen adapter checkpoints. */
  EVAL_LOSS("eval_loss"),
  /** Answers to the evaluation questions under each decoding strategy. */
  GENERATE("generate"),
  /**
   * The whole evaluation in one process (hf engine): eval loss, generation with the best checkpoint
   * and the base, BERTScore.
   */
  EVALUATE("evaluate");

  private final String wire;

  Command(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Whether this command trains (and so takes the run's training lock). */
  public boolean trains() {
    return this == PRETRAIN || this == TRAIN;
  }

  public static Command fromWire(String name) {
    return Arrays.stream(values())
        .filter(c -> c.wire.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "command: expected one of pretrain, train, eval_loss, generate, evaluate, found '"
                        + name
                        + "'"));
  }

  @Override
  public String toString() {
    return wire;
  }
}
