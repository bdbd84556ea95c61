package io.tunecard.workflow;

/** The byte-level BPE tokenizer trained on the train split for a scratch base. */
public record TokenizerSpec(int vocabSize, int minFrequency) {

  /** Gemma's 262,144 entries: the largest vocabulary of a released model. */
  public static final int MAX_VOCAB = 1 << 18;

  public TokenizerSpec {
    new Check()
        .between(
            "vocab_size",
            vocabSize,
            256 + 5 + 1,
            MAX_VOCAB,
            "a larger vocabulary than any released model's (262144) only adds embedding rows"
                + " that the train split cannot teach")
        .atLeast("min_frequency", minFrequency, 1)
        .done();
  }

  static TokenizerSpec read(Section s) {
    return new TokenizerSpec(s.integer("vocab_size", 4096), s.integer("min_frequency", 2));
  }
}
