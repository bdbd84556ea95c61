package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeEncoder;
import io.tunecard.tokenize.BpeModel;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.SpecialTokens;
import io.tunecard.tokenize.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The djl engine's {@code mistral-inst} ids against the rule's definition
 * (docs/worker-protocol-python.md), computed independently with the pure-Java {@link BpeEncoder} on
 * real MedQuAD rows: {@code [bos] + enc("[INST] " + q + " [/INST]") + enc(" " + a) + [eos]}, cut at
 * max_seq_len.
 */
class ChatTemplateTest {
  @TempDir Path tmp;

  @Test
  void realRowsGetExactlyTheRulesIds() throws IOException {
    List<MedQuadSample.Pair> pairs = MedQuadSample.pairs().subList(3000, 3400);
    List<String> texts = new ArrayList<>();
    List<QaRow> rows = new ArrayList<>();
    for (MedQuadSample.Pair p : pairs) {
      texts.add(p.question());
      texts.add(p.answer());
      rows.add(new QaRow(p.id(), p.question(), p.answer()));
    }
    BpeModel model = new BpeTrainer(1000, 2).train(texts);
    Path file = tmp.resolve("tokenizer.json");
    TokenizerFiles.write(file, model);
    BpeEncoder bpe = new BpeEncoder(model);
    int maxSeqLen = 256;
    try (HuggingFaceTokenizer djl = TokenizerFiles.load(file)) {
      SpecialIds ids = new SpecialIds(SpecialTokens.BOS_ID, SpecialTokens.EOS_ID, 5);
      EncodedSplit split = new ChatTemplate(djl, ids).encode(rows, maxSeqLen);
      assertThat(split.examples()).hasSize(rows.size());
      int truncated = 0;
      for (int i = 0; i < rows.size(); i++) {
        QaRow r = rows.get(i);
        int[] prompt =
            ChatTemplate.concat(new int[] {1}, bpe.encode("[INST] " + r.question() + " [/INST]"));
        int[] answer = ChatTemplate.concat(bpe.encode(" " + r.answer()), new int[] {2});
        int[] full = ChatTemplate.concat(prompt, answer);
        if (full.length > maxSeqLen) {
          truncated++;
          full = Arrays.copyOf(full, maxSeqLen);
        }
        Example e = split.examples().get(i);
        assertThat(e.ids()).as(r.id()).isEqualTo(full);
        assertThat(e.promptLength()).isEqualTo(prompt.length);
        // [INST] and [/INST] are single added tokens around the question
        assertThat(e.ids()[1]).isEqualTo(SpecialTokens.INST_ID);
        assertThat(e.ids()[e.promptLength() - 1]).isEqualTo(SpecialTokens.INST_END_ID);
        assertThat(bpe.decode(Arrays.copyOfRange(e.ids(), 1, e.promptLength())))
            .isEqualTo("[INST] " + r.question() + " [/INST]");
      }
      assertThat(split.stats().truncated()).isEqualTo(truncated).isPositive();
      assertThat(split.stats().skipped()).isZero();
      assertThat(split.stats().answerTokens())
          .isEqualTo(split.examples().stream().mapToLong(Example::targets).sum());
    }
  }

  @Test
  void aRowWhosePromptFillsMaxSeqLenIsSkippedAndCounted() throws IOException {
    BpeModel model = new BpeTrainer(300, 2).train(List.of("a b c", "a b c"));
    Path file = tmp.resolve("t.json");
    TokenizerFiles.write(file, model);
    try (HuggingFaceTokenizer djl = TokenizerFiles.load(file)) {
      ChatTemplate t = new ChatTemplate(djl, new SpecialIds(1, 2, 5));
      EncodedSplit s =
          t.encode(
              List.of(
                  new QaRow("1", "a long question here", "yes"), new QaRow("2", "q", "an answer")),
              12);
      assertThat(s.stats().skipped()).isEqualTo(1);
      assertThat(s.examples()).hasSize(1);
      assertThat(s.examples().get(0).length()).isLessThanOrEqualTo(12);
    }
  }
}
