package io.tunecard.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.model.ChatTemplate;
import io.tunecard.model.MistralConfig;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeEncoder;
import io.tunecard.tokenize.BpeModel;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.PythonText;
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
 * Training rows in ids against Mistral-7B-Instruct-v0.3's template written out by hand, computed
 * independently with the pure-Java {@link BpeEncoder} on real MedQuAD rows: {@code enc("<s>[INST] "
 * + q + "[/INST] " + strip(a) + "</s>")}, the prompt {@code enc("<s>[INST] " + q + "[/INST]")}, cut
 * at max_seq_len. The base has no template of its own, so the bundled {@code mistral-inst} one
 * applies.
 */
class ChatTemplateTest {
  @TempDir Path tmp;

  private static MistralConfig config(int vocab) {
    return MistralConfig.mistral(vocab, 32, 64, 2, 4, 2, 8, 1e-5, 10000.0, 512, 1, 2, 5);
  }

  @Test
  void realRowsGetExactlyTheTemplatesIds() throws IOException {
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
    try (ChatTemplate t = ChatTemplate.load(tmp, file, config(model.size()))) {
      EncodedSplit split = EncodedSplit.of(t, rows, maxSeqLen);
      assertThat(split.examples()).hasSize(rows.size());
      int truncated = 0;
      for (int i = 0; i < rows.size(); i++) {
        QaRow r = rows.get(i);
        int[] prompt = bpe.encode("<s>[INST] " + r.question() + "[/INST]");
        int[] full =
            bpe.encode(
                "<s>[INST] " + r.question() + "[/INST] " + PythonText.strip(r.answer()) + "</s>");
        if (full.length > maxSeqLen) {
          truncated++;
          full = Arrays.copyOf(full, maxSeqLen);
        }
        Example e = split.examples().get(i);
        assertThat(e.ids()).as(r.id()).isEqualTo(full);
        assertThat(e.promptLength()).isEqualTo(prompt.length);
        // <s> [INST] ... [/INST]: single special ids, and no space before [/INST]
        assertThat(e.ids()[0]).isEqualTo(SpecialTokens.BOS_ID);
        assertThat(e.ids()[1]).isEqualTo(SpecialTokens.INST_ID);
        assertThat(e.ids()[e.promptLength() - 1]).isEqualTo(SpecialTokens.INST_END_ID);
        assertThat(bpe.decode(Arrays.copyOfRange(e.ids(), 1, e.promptLength())))
            .isEqualTo("[INST] " + r.question() + "[/INST]");
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
    try (ChatTemplate t = ChatTemplate.load(tmp, file, config(model.size()))) {
      EncodedSplit s =
          EncodedSplit.of(
              t,
              List.of(
                  new QaRow("1", "a long question here", "yes"), new QaRow("2", "q", "an answer")),
              12);
      assertThat(s.stats().skipped()).isEqualTo(1);
      assertThat(s.examples()).hasSize(1);
      assertThat(s.examples().get(0).length()).isLessThanOrEqualTo(12);
    }
  }
}
