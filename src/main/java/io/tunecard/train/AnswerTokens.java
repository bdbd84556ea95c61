package io.tunecard.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.rundir.DatasetStatsFile;
import io.tunecard.rundir.LengthDistribution;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.tokenize.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills {@code answer_tokens} of {@code dataset/stats.json} once the run has a tokenizer: the same
 * keys as {@code answer_chars} (min, nearest-rank p50/p90/p99, max, mean with one decimal) over
 * every usable row of the three splits, counting each answer as {@code enc(" " + answer)}, the
 * answer part of the {@code mistral-inst} template without its end-of-sequence id. The file is
 * rewritten atomically with its other keys untouched.
 */
final class AnswerTokens {
  private AnswerTokens() {}

  /** Whether stats.json still has {@code answer_tokens: null}. */
  static boolean missing(RunDirectory run) {
    return Files.isRegularFile(run.stats())
        && DatasetStatsFile.read(run.stats()).answerTokens() == null;
  }

  /** Computes and writes the distribution; returns it. */
  static ObjectNode fill(RunDirectory run, Path tokenizerFile) throws IOException {
    List<String> answers = new ArrayList<>();
    for (String split : RunDirectory.SPLITS) {
      if (Files.isRegularFile(run.split(split))) {
        QaRow.read(run.split(split), null).forEach(r -> answers.add(" " + r.answer()));
      }
    }
    int[] counts = new int[answers.size()];
    try (HuggingFaceTokenizer tokenizer = TokenizerFiles.load(tokenizerFile)) {
      List<int[]> ids = Tokens.encode(tokenizer, answers);
      for (int i = 0; i < counts.length; i++) {
        counts[i] = ids.get(i).length;
      }
    }
    LengthDistribution dist = LengthDistribution.of(counts);
    DatasetStatsFile.recordAnswerTokens(run.stats(), dist);
    return dist.toTree();
  }
}
