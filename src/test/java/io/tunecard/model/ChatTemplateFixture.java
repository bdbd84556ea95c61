package io.tunecard.model;

import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeModel;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.TokenizerConfig;
import io.tunecard.tokenize.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the model directory of the shared chat-template vectors ({@code
 * src/test/resources/fixtures/chat-template/}): a byte-level BPE trained by tunecard on MedQuAD
 * text, the tokenizer_config.json tunecard writes for a scratch base (Mistral-7B-Instruct-v0.3's
 * template) and a config.json. {@code scripts/chat_template_vectors.py} then renders the vectors
 * with transformers. Run: {@code java -cp target/test-classes:target/classes:CP
 * io.tunecard.model.ChatTemplateFixture DIR}.
 */
public final class ChatTemplateFixture {
  private ChatTemplateFixture() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    List<String> texts = new ArrayList<>();
    for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(0, 300)) {
      texts.add(p.question());
      texts.add(p.answer());
    }
    texts.add("¿Qué es la enfermedad de Ménière? Síndrome de Sjögren, naïve, Crohn’s — 5 µg");
    BpeModel model = new BpeTrainer(500, 2).train(texts);
    TokenizerFiles.write(dir.resolve("tokenizer.json"), model);
    TokenizerConfig.writeForScratch(dir, "mistral-inst", 512);
    MistralConfig.mistral(model.size(), 32, 64, 2, 4, 2, 8, 1e-5, 10000.0, 512, 1, 2, 5)
        .write(dir, "float32");
  }
}
