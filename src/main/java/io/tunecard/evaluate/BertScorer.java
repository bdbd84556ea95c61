package io.tunecard.evaluate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.metrics.BertScore;
import io.tunecard.model.ModelLocator;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.roberta.RobertaEncoder;
import io.tunecard.tokenize.PythonText;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.workflow.BertScoreSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * BERTScore F1 of predictions against references with {@code bert_score}'s semantics (idf off):
 * each sentence is stripped and encoded as {@code <s>} + the ids of {@code " " + sentence} (the
 * slow RoBERTa tokenizer's {@code add_prefix_space=True}, which bert_score passes) truncated to 510
 * + {@code </s>} ({@code [<s>, </s>]} for an empty one); its token states are those of layer L;
 * pairs are matched by {@link BertScore#scoreBatched} in consecutive batches of {@code batch}
 * pairs, as bert_score's padding makes them. Embeddings of a sentence are computed once per scorer
 * (the references are shared by every strategy).
 *
 * <p>With {@code rescale_with_baseline}, P, R and F are rescaled with bert_score's baseline file
 * for the model, which tunecard does not carry: put it (bert_score's {@code
 * rescale_baseline/en/<model>.tsv}) into the encoder's directory as {@code rescale_baseline.tsv}.
 */
public final class BertScorer implements AutoCloseable {
  public static final String BASELINE_FILE = "rescale_baseline.tsv";
  private static final int MAX_TOKENS = 512; // roberta's model_max_length, specials included

  private final NDManager root;
  private final RobertaEncoder encoder;
  private final HuggingFaceTokenizer tokenizer;
  private final long cls;
  private final long sep;
  private final int batch;
  private final BertScore.Baseline baseline;
  private final Map<String, float[][]> states = new HashMap<>();
  private final Map<String, long[]> ids = new HashMap<>();

  private BertScorer(
      NDManager root,
      RobertaEncoder encoder,
      HuggingFaceTokenizer tokenizer,
      long cls,
      long sep,
      int batch,
      BertScore.Baseline baseline) {
    this.root = root;
    this.encoder = encoder;
    this.tokenizer = tokenizer;
    this.cls = cls;
    this.sep = sep;
    this.batch = batch;
    this.baseline = baseline;
  }

  /** Where the encoder was found: its directory, or why it is not available. */
  public record Located(Optional<Path> directory, String reason) {}

  /**
   * Finds the encoder's files: a directory, or a Hub id in the local Hugging Face cache, with
   * config.json, tokenizer.json and safetensors weights (and the baseline file when rescaling).
   */
  public static Located locate(BertScoreSpec s, ModelLocator locator) {
    ModelLocator.Found found = locator.locate(s.model(), "config.json");
    if (found.directory().isEmpty()) {
      return new Located(Optional.empty(), found.reason());
    }
    Path dir = found.directory().get();
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))
        && !Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
      return new Located(
          Optional.empty(), "no safetensors weights for " + s.model() + " in " + dir);
    }
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      return new Located(Optional.empty(), "no tokenizer.json for " + s.model() + " in " + dir);
    }
    if (s.rescaleWithBaseline() && !Files.isRegularFile(dir.resolve(BASELINE_FILE))) {
      return new Located(
          Optional.empty(),
          "rescale_with_baseline needs bert_score's baseline file as "
              + dir.resolve(BASELINE_FILE));
    }
    return new Located(Optional.of(dir), null);
  }

  public static BertScorer load(Path dir, BertScoreSpec s) {
    Path tokenizerFile = dir.resolve("tokenizer.json");
    JsonNode tokenizerJson;
    try {
      tokenizerJson = Jsonl.readTree(tokenizerFile);
    } catch (IOException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    Long cls = SpecialIds.idOf(tokenizerJson, "<s>");
    Long sep = SpecialIds.idOf(tokenizerJson, "</s>");
    if (cls == null || sep == null) {
      throw new BadInputException(
          tokenizerFile + ": no <s> or </s> token (not a RoBERTa tokenizer)");
    }
    BertScore.Baseline baseline =
        s.rescaleWithBaseline() ? readBaseline(dir.resolve(BASELINE_FILE), s.layer()) : null;
    NDManager root = NDManager.newBaseManager();
    HuggingFaceTokenizer tokenizer = null;
    try {
      tokenizer = TokenizerFiles.load(tokenizerFile);
      RobertaEncoder encoder = RobertaEncoder.load(dir, s.layer(), root);
      return new BertScorer(root, encoder, tokenizer, cls, sep, s.batch(), baseline);
    } catch (RuntimeException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      root.close();
      throw e;
    }
  }

  /** BERTScore F1 of each candidate against its reference. */
  public double[] f1(List<String> candidates, List<String> references) {
    return scores(candidates, references).stream().mapToDouble(BertScore.Result::f).toArray();
  }

  /** P, R and F of each candidate against its reference (rescaled when the settings ask). */
  public List<BertScore.Result> scores(List<String> candidates, List<String> references) {
    if (candidates.size() != references.size()) {
      throw new IllegalArgumentException("bertscore: one reference per candidate expected");
    }
    LinkedHashSet<String> missing = new LinkedHashSet<>();
    for (String s : candidates) {
      if (!states.containsKey(s)) {
        missing.add(s);
      }
    }
    for (String s : references) {
      if (!states.containsKey(s)) {
        missing.add(s);
      }
    }
    encodeAll(new ArrayList<>(missing));
    List<BertScore.Pair> pairs = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      String c = candidates.get(i);
      String r = references.get(i);
      pairs.add(
          new BertScore.Pair(
              states.get(c),
              BertScore.weightsWithout(ids.get(c), cls, sep),
              states.get(r),
              BertScore.weightsWithout(ids.get(r), cls, sep)));
    }
    List<BertScore.Result> results = BertScore.scoreBatched(pairs, batch);
    return baseline == null
        ? results
        : results.stream().map(r -> BertScore.rescale(r, baseline)).toList();
  }

  /** Longest first, {@code batch} sentences per encoder call, as bert_score does. */
  private void encodeAll(List<String> sentences) {
    for (String s : sentences) {
      ids.put(s, sentenceIds(s));
    }
    sentences.sort(Comparator.comparingInt((String s) -> -ids.get(s).length));
    for (int from = 0; from < sentences.size(); from += batch) {
      List<String> part = sentences.subList(from, Math.min(sentences.size(), from + batch));
      List<float[][]> out = encoder.encode(part.stream().map(ids::get).toList());
      for (int i = 0; i < part.size(); i++) {
        states.put(part.get(i), out.get(i));
      }
    }
  }

  long[] sentenceIds(String sentence) {
    String s = PythonText.strip(sentence);
    int room = Math.min(MAX_TOKENS, encoder.config().maxTokens()) - 2;
    long[] body = s.isEmpty() ? new long[0] : tokenizer.encode(" " + s, false, false).getIds();
    body = Arrays.copyOf(body, Math.min(body.length, room));
    long[] out = new long[body.length + 2];
    out[0] = cls;
    System.arraycopy(body, 0, out, 1, body.length);
    out[out.length - 1] = sep;
    return out;
  }

  /** bert_score's baseline file: a {@code LAYER,P,R,F} header, then one row per layer. */
  static BertScore.Baseline readBaseline(Path file, int layer) {
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.strip().split(",");
        if (f.length == 4 && f[0].strip().equals(Integer.toString(layer))) {
          return new BertScore.Baseline(
              Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]));
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new BadInputException(file + ": cannot read the baseline (" + e.getMessage() + ")", e);
    }
    throw new BadInputException(file + ": no baseline row for layer " + layer);
  }

  @Override
  public void close() {
    tokenizer.close();
    encoder.close();
    root.close();
  }
}
