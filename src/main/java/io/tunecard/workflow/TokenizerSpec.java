package io.tunecard.workflow;

import java.util.List;

/** The byte-level BPE tokenizer trained on the train split for a scratch base. */
public record TokenizerSpec(int vocabSize, int minFrequency) {

  /** Gemma's 262,144 entries: the largest vocabulary of a released model. */
  public static final int MAX_VOCAB = 1 << 18;

  public static final Setting<Integer> VOCAB_SIZE =
      Setting.count(
              "vocab_size",
              4096,
              256 + 5 + 1,
              MAX_VOCAB,
              "a larger vocabulary than any released model's (262144) only adds embedding rows"
                  + " that the train split cannot teach")
          .help("tokens, the 256 bytes and 5 special tokens included");
  public static final Setting<Integer> MIN_FREQUENCY =
      Setting.count("min_frequency", 2, 1).help("merging stops when no pair occurs this often");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS = List.of(VOCAB_SIZE, MIN_FREQUENCY);

  public TokenizerSpec {
    Check c = new Check();
    VOCAB_SIZE.check(c, vocabSize);
    MIN_FREQUENCY.check(c, minFrequency).done();
  }

  static TokenizerSpec read(Section s) {
    return new TokenizerSpec(VOCAB_SIZE.read(s), MIN_FREQUENCY.read(s));
  }
}
