package io.tunecard.train;

/**
 * One tokenized row: {@code ids[0, promptLength)} is the prompt, the rest the (possibly truncated)
 * answer with its end-of-sequence id. Position p predicts {@code ids[p + 1]}; the loss counts p in
 * {@code [promptLength - 1, length - 2]}, i.e. every answer id.
 */
record Example(int[] ids, int promptLength) {
  Example {
    if (promptLength < 1 || promptLength >= ids.length) {
      throw new IllegalArgumentException(
          "promptLength: expected 1.." + (ids.length - 1) + ", found " + promptLength);
    }
  }

  int length() {
    return ids.length;
  }

  /** Answer ids, each a supervised target. */
  int targets() {
    return ids.length - promptLength;
  }
}
