package io.tunecard.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {
  private static int byteId(char c) {
    return SpecialTokens.FIRST_BYTE_ID + c;
  }

  @Test
  void mergesTheMostFrequentPairAndBreaksTiesBySmallerIds() {
    // Words: "ab" (from "ab ab"), "Ġab", "cd". (a,b) occurs twice; after it, (Ġ,ab) and (c,d)
    // occur once each and Ġ (byte 32) has a smaller id than c.
    BpeModel m = new BpeTrainer(262 + 2, 1).train(List.of("ab ab", "cd"));
    assertThat(m.merges())
        .containsExactly(
            new BpeModel.Merge(byteId('a'), byteId('b'), 262),
            new BpeModel.Merge(byteId(' '), 262, 263));
    assertThat(m.vocab().subList(262, 264)).containsExactly("ab", "Ġab");
  }

  @Test
  void stopsBelowTheMinimumFrequencyAndAtTheVocabularySize() {
    assertThat(new BpeTrainer(400, 2).train(List.of("ab ab", "cd")).size()).isEqualTo(263);
    assertThat(new BpeTrainer(262, 1).train(List.of("ab ab", "cd")).merges()).isEmpty();
    assertThatThrownBy(() -> new BpeTrainer(100, 2))
        .hasMessageContaining("vocab_size: expected at least 262");
  }

  @Test
  void specialTokensInTrainingTextAreNotLearnedFrom() {
    BpeModel m = new BpeTrainer(300, 1).train(List.of("[INST][INST][INST]", "xy"));
    assertThat(m.vocab()).contains("xy").doesNotContain("IN", "[I", "NS");
  }

  @Test
  void mergeWordReplacesNonOverlappingPairsLeftmostFirst() {
    assertThat(BpeTrainer.mergeWord(new int[] {1, 1, 1}, 1, 1, 9)).containsExactly(9, 1);
    assertThat(BpeTrainer.mergeWord(new int[] {1, 2, 1, 2, 3}, 1, 2, 9)).containsExactly(9, 9, 3);
    int[] none = {3, 4};
    assertThat(BpeTrainer.mergeWord(none, 1, 2, 9)).isSameAs(none);
  }

  @Test
  void splitsLikeGpt2() {
    assertThat(ByteLevel.split("Hello world's  end\n\n  x"))
        .containsExactly("Hello", " world", "'s", " ", " end", "\n\n ", " x");
    assertThat(ByteLevel.encode(" é\n")).isEqualTo("ĠÃ©Ċ");
  }
}
