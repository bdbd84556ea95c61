package io.tunecard.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.testing.MedQuadSample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trains the quickstart's tokenizer size (4,096 tokens, min frequency 2) on the questions and
 * answers of 11,485 MedQuAD pairs (a train split's worth) and prints the time; it must stay well
 * under a minute on 2 cores.
 *
 * <pre>mvn -B -Pbench test -Dtest=TokenizerTrainingBenchmark</pre>
 */
@Tag("bench")
class TokenizerTrainingBenchmark {
  @Test
  void trainsAQuickstartVocabularyQuickly() {
    List<String> texts = new ArrayList<>();
    for (MedQuadSample.Pair p : MedQuadSample.pairs().subList(0, 11_485)) {
      texts.add(p.question());
      texts.add(p.answer());
    }
    long chars = texts.stream().mapToLong(String::length).sum();
    long t0 = System.nanoTime();
    BpeModel model = new BpeTrainer(4096, 2).train(texts);
    double seconds = (System.nanoTime() - t0) / 1e9;
    BpeEncoder encoder = new BpeEncoder(model);
    long t1 = System.nanoTime();
    long tokens = 0;
    for (String t : texts) {
      tokens += encoder.encode(t).length;
    }
    double encodeSeconds = (System.nanoTime() - t1) / 1e9;
    System.out.printf(
        "bench: trained %d tokens (%d merges) on %d texts, %.1f M chars, in %.2f s on %d cores%n",
        model.size(),
        model.merges().size(),
        texts.size(),
        chars / 1e6,
        seconds,
        Runtime.getRuntime().availableProcessors());
    System.out.printf(
        "bench: encoded them into %d tokens (%.2f chars per token) in %.2f s%n",
        tokens, (double) chars / tokens, encodeSeconds);
    assertThat(model.size()).isEqualTo(4096);
    assertThat(seconds).isLessThan(30);
  }
}
