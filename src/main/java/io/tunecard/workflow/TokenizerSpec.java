package io.tunecard.workflow;

/** The byte-level BPE tokenizer trained on the train split for a scratch base. */
public record TokenizerSpec(int vocabSize, int minFrequency) {

  public TokenizerSpec {
    Check.atLeast("vocab_size", vocabSize, 256 + 5 + 1);
    Check.atLeast("min_frequency", minFrequency, 1);
  }

  static TokenizerSpec read(Section s) {
    return new TokenizerSpec(s.integer("vocab_size", 4096), s.integer("min_frequency", 2));
  }
}
