package io.tunecard.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.tunecard.files.BadInputException;
import io.tunecard.testing.MedQuadSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  static List<String> texts;
  static BpeModel model;
  static BpeEncoder encoder;
  @TempDir static Path dir;
  static Path file;

  static final List<String> TRICKY =
      List.of(
          "Hello world",
          "  leading and trailing spaces  ",
          "multiple    spaces\tand\ttabs\n\nand newlines\r\n",
          "café naïve Ångström coöperate façade",
          "emoji 🙂👍🏽 family 👨‍👩‍👧 flags 🇪🇸",
          "中文字符 日本語 한국어 العربية עברית",
          "don't they're we've I'm you'll he'd 'S",
          "numbers 12345.678 and ½ ² Ⅻ",
          "[INST] What is anemia? [/INST] A low red cell count.</s>",
          "<s>[INST]x[/INST]y</s><pad><unk>",
          "[INST[/INST]] <s <s>> [/INST",
          "zero\u0000byte and \u007f del \u00ad soft hyphen \u200b zwsp",
          "\u00a0no-break\u2003em space\u3000ideographic",
          "e\u0301 combining acute, ﬁ ligature, Ǆ digraph",
          "",
          " ",
          "\n");

  @BeforeAll
  static void train() throws Exception {
    texts = new ArrayList<>();
    for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(0, 3000)) {
      texts.add(p.question());
      texts.add(p.answer());
    }
    model = new BpeTrainer(1024, 2).train(texts);
    encoder = new BpeEncoder(model);
    file = dir.resolve("tokenizer.json");
    TokenizerFiles.write(file, model);
  }

  @Test
  void vocabularyHasSpecialsThenBytesThenMerges() {
    assertThat(model.size()).isEqualTo(1024);
    assertThat(model.vocab().subList(0, 6))
        .containsExactly("<unk>", "<s>", "</s>", "[INST]", "[/INST]", "<pad>");
    assertThat(model.vocab().get(SpecialTokens.FIRST_BYTE_ID + ' ')).isEqualTo("Ġ");
    assertThat(model.vocab().get(SpecialTokens.FIRST_BYTE_ID + '\n')).isEqualTo("Ċ");
    assertThat(model.merges()).hasSizeGreaterThanOrEqualTo(1024 - 262);
  }

  @Test
  void javaEncoderRoundTripsArbitraryText() {
    for (String t : TRICKY) {
      assertThat(encoder.decode(encoder.encode(t))).isEqualTo(t);
    }
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 300; i++) {
      String t = randomText(r);
      assertThat(encoder.decode(encoder.encode(t))).isEqualTo(t);
    }
  }

  @Test
  void djlLoadsTheFileAndAgreesWithTheJavaEncoder() {
    try (HuggingFaceTokenizer hf = TokenizerFiles.load(file)) {
      List<String> sample = new ArrayList<>(TRICKY);
      for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(3000, 4500)) {
        sample.add(p.question());
        sample.add(p.answer());
      }
      SplittableRandom r = new SplittableRandom(9);
      for (int i = 0; i < 300; i++) {
        sample.add(randomText(r));
      }
      for (String t : sample) {
        long[] ids = hf.encode(t, false, false).getIds();
        int[] mine = encoder.encode(t);
        assertThat(Arrays.stream(mine).asLongStream().toArray()).as("ids of %s", t).isEqualTo(ids);
        assertThat(hf.decode(ids, false)).as("decode of %s", t).isEqualTo(t);
      }
    }
  }

  @Test
  void specialTokensEncodeAsSingleIds() {
    assertThat(encoder.encode("[INST]")).containsExactly(SpecialTokens.INST_ID);
    int[] ids = encoder.encode("<s>[INST] Q [/INST] A</s>");
    assertThat(ids[0]).isEqualTo(SpecialTokens.BOS_ID);
    assertThat(ids[1]).isEqualTo(SpecialTokens.INST_ID);
    assertThat(ids[ids.length - 1]).isEqualTo(SpecialTokens.EOS_ID);
    assertThat(Arrays.stream(ids).filter(i -> i == SpecialTokens.INST_END_ID).count()).isEqualTo(1);
    assertThat(encoder.encode("<pad>")).containsExactly(SpecialTokens.PAD_ID);
  }

  @Test
  void trainingIsDeterministic() throws Exception {
    BpeModel again = new BpeTrainer(1024, 2).train(new ArrayList<>(texts));
    Path other = dir.resolve("again.json");
    TokenizerFiles.write(other, again);
    assertThat(Files.readAllBytes(other)).isEqualTo(Files.readAllBytes(file));
    assertThat(TokenizerFiles.readModel(file)).isEqualTo(model);
  }

  @Test
  void corruptFilesAreErrorsNamingTheFile() throws Exception {
    Path truncated = dir.resolve("truncated.json");
    String json = Files.readString(file);
    Files.writeString(truncated, json.substring(0, json.length() / 2));
    assertThatThrownBy(() -> TokenizerFiles.load(truncated))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith(truncated + ":");
    Path wrongModel = dir.resolve("wrong-model.json");
    Files.writeString(wrongModel, json.replace("\"type\" : \"BPE\"", "\"type\" : \"Nonsense\""));
    assertThatThrownBy(() -> TokenizerFiles.load(wrongModel))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith(wrongModel + ": not a tokenizer");
    assertThatThrownBy(() -> TokenizerFiles.readModel(wrongModel))
        .hasMessageStartingWith(wrongModel + ": model.type: expected \"BPE\"");
    assertThatThrownBy(() -> TokenizerFiles.load(dir.resolve("missing.json")))
        .hasMessageContaining("missing.json: file not found");
  }

  static String randomText(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    int len = r.nextInt(0, 40);
    for (int i = 0; i < len; i++) {
      int kind = r.nextInt(6);
      int cp =
          switch (kind) {
            case 0 -> r.nextInt(0x20, 0x7f);
            case 1 -> " \n\t\r".charAt(r.nextInt(4));
            case 2 -> r.nextInt(0xa0, 0x800);
            case 3 -> r.nextInt(0x800, 0xd800);
            case 4 -> r.nextInt(0x1f300, 0x1faff);
            default -> r.nextInt(0xe000, 0xfffe);
          };
      b.appendCodePoint(cp);
    }
    return b.toString();
  }
}
