package io.tunecard.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
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
    try {
      return Files.isRegularFile(run.stats())
          && !Jsonl.readTree(run.stats()).path("answer_tokens").isObject();
    } catch (IOException e) {
      throw new BadInputException(run.stats() + ": not valid JSON (" + e.getMessage() + ")", e);
    }
  }

  /** Computes and writes the distribution; returns it. */
  static ObjectNode fill(RunDirectory run, Path tokenizerFile) throws IOException {
    JsonNode stats = Jsonl.readTree(run.stats());
    if (!stats.isObject()) {
      throw new BadInputException(run.stats() + ": expected a JSON object");
    }
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
    ObjectNode dist = distribution(counts);
    ObjectNode updated = ((ObjectNode) stats).deepCopy();
    updated.set("answer_tokens", dist);
    AtomicFiles.writeString(run.stats(), Jsonl.pretty(updated));
    return dist;
  }

  static ObjectNode distribution(int[] values) {
    return LengthDistribution.of(values);
  }
}
