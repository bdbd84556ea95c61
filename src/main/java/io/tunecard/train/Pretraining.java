package io.tunecard.train;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.files.Jsonl;
import io.tunecard.model.AdamW;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.LossValue;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.SpecialIds;
import io.tunecard.model.StepOptions;
import io.tunecard.model.TokenBatch;
import io.tunecard.tokenize.TokenizerConfig;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.EventWriter.StepMetrics;
import io.tunecard.worker.WorkerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code pretrain} command: a tiny Mistral-architecture base trained from random weights as a
 * plain language model, written whole as a Hugging Face model directory into {@code output_dir}
 * ({@code base/}).
 *
 * <p>The text is the train split's questions and answers, each its own plain document ({@code <s>
 * question</s>}, {@code <s> answer</s>}), concatenated in a seeded order (Python's generator,
 * reshuffled each pass) and cut into windows of {@code seq_len} tokens (no padding; every token is
 * a target). A question is never followed by its answer and the chat markers {@code [INST]}/{@code
 * [/INST]} never occur: the base learns the language of the domain, and answering a question in the
 * instruction format is what the LoRA fine-tune teaches it, as with a pretrained base and
 * instruction tuning. AdamW (β = 0.9, 0.95, no weight decay), 5 % linear warm-up then cosine decay,
 * gradient norm clipped to 1.
 */
final class Pretraining {
  static final double WARMUP_RATIO = 0.05;
  static final AdamW.Hyper HYPER = new AdamW.Hyper(0.9, 0.95, 1e-8, 0.0);
  static final int MAX_POSITIONS = 4096;
  static final int LOG_EVERY = 10;

  /** The validation LM loss is a log line: this many windows, spread over the sample, suffice. */
  static final int EVAL_WINDOWS = 64;

  private Pretraining() {}

  static void run(WorkerSpec spec, EventWriter events) throws IOException {
    JsonNode model = spec.section("model");
    JsonNode s = model.path("scratch");
    JsonNode data = spec.section("data");
    Path tokenizerFile = Path.of(model.path("tokenizer").asText());
    int vocab = TokenizerFiles.readModel(tokenizerFile).size();
    int steps = s.path("steps").asInt();
    int batch = s.path("batch").asInt();
    int seqLen = s.path("seq_len").asInt();
    try (HuggingFaceTokenizer tokenizer = TokenizerFiles.load(tokenizerFile)) {
      MistralConfig probe = config(s, vocab, null, null, null);
      SpecialIds ids =
          SpecialIds.resolve(
              probe, TokenizerConfig.NONE, Jsonl.readTree(tokenizerFile), tokenizerFile);
      MistralConfig config =
          config(
              s,
              vocab,
              Math.toIntExact(ids.bos()),
              Math.toIntExact(ids.eos()[0]),
              Math.toIntExact(ids.pad()));
      Documents enc = new Documents(tokenizer, ids);
      Path trainFile = Path.of(data.path("train").asText());
      List<int[]> docs = documents(enc, QaRow.read(trainFile, intOrNull(data, "train_limit")));
      List<int[]> val =
          data.path("validation").isTextual()
              ? ValidationSample.pick(
                  windows(
                      concat(
                          documents(
                              enc,
                              QaRow.read(
                                  Path.of(data.get("validation").asText()),
                                  intOrNull(data, "validation_limit"))),
                          null),
                      seqLen),
                  EVAL_WINDOWS)
              : List.of();
      long streamTokens = docs.stream().mapToLong(d -> d.length).sum();
      events.started(TrainerState.ENGINE, "cpu", (long) steps, null);
      events.log(
          "info",
          String.format(
              Locale.ROOT,
              "pre-training a %d-layer Mistral (hidden %d, vocab %d) on %d train documents"
                  + " (questions and answers apart, %d tokens): %d steps x %d windows of %d tokens = %.2f passes",
              config.numHiddenLayers(),
              config.hiddenSize(),
              vocab,
              docs.size(),
              streamTokens,
              steps,
              batch,
              seqLen,
              (double) steps * batch * seqLen / streamTokens));
      train(
          spec,
          events,
          config,
          docs,
          val,
          steps,
          batch,
          seqLen,
          s.path("lr").asDouble(),
          tokenizerFile,
          model.path("chat_template").asText(ChatTemplate.DEFAULT_FALLBACK));
    }
  }

  private static void train(
      WorkerSpec spec,
      EventWriter events,
      MistralConfig config,
      List<int[]> docs,
      List<int[]> val,
      int steps,
      int batch,
      int seqLen,
      double lr,
      Path tokenizerFile,
      String chatTemplate)
      throws IOException {
    Progress progress = new Progress(events);
    LrSchedule schedule = LrSchedule.of("cosine", lr, WARMUP_RATIO, steps);
    WindowStream stream = new WindowStream(docs, seqLen, spec.seed());
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights weights = BaseWeights.random(config, spec.seed(), root)) {
      weights.setTrainable(true);
      MistralModel model = new MistralModel(weights, null);
      try (AdamW opt = new AdamW(weights.parameters(), HYPER, root)) {
        double last = Double.NaN;
        double windowLoss = 0;
        int windowSteps = 0;
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
          TokenBatch b = lmBatch(stream.next(batch));
          double lrNow = schedule.at(step - 1);
          LossValue v;
          try (NDManager m = root.newSubManager()) {
            v = model.trainStep(m, b, StepOptions.of(step));
          }
          double norm = LoraTraining.finite(opt.clipGradNorm(1.0), "gradient norm");
          opt.step(lrNow);
          zeroGradients(weights);
          last = LoraTraining.finite(v.mean(), "pre-training loss at step " + step);
          windowLoss += last;
          windowSteps++;
          if (step % LOG_EVERY == 0 || step == steps) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = LoraTraining.round1((double) windowSteps * batch * seqLen / seconds);
            double epoch = LoraTraining.round6(stream.passes());
            events.metrics(
                new StepMetrics(step, epoch, windowLoss / windowSteps, lrNow, norm, rate, null));
            progress.maybe("pretrain", step, steps, null, windowLoss / windowSteps, rate, true);
            windowLoss = 0;
            windowSteps = 0;
            t0 = System.nanoTime();
          } else {
            progress.maybe("pretrain", step, steps, null, null, null, false);
          }
        }
        Double evalLoss = val.isEmpty() ? null : evalLoss(model, val, batch, root);
        if (evalLoss != null) {
          events.metrics(StepMetrics.eval(steps, LoraTraining.round6(stream.passes()), evalLoss));
          events.log(
              "info",
              String.format(
                  Locale.ROOT,
                  "base model: train loss %.4f, validation LM loss %.4f over %d windows",
                  last,
                  evalLoss,
                  val.size()));
        }
        weights.setTrainable(false);
        Path out = write(spec, weights, tokenizerFile, chatTemplate, config);
        events.done((long) steps, Double.isNaN(last) ? null : last, null, List.of(out.toString()));
      }
    }
  }

  private static void zeroGradients(BaseWeights weights) {
    weights
        .parameters()
        .forEach(
            p -> ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.value()));
  }

  private static double evalLoss(MistralModel model, List<int[]> val, int batch, NDManager root) {
    LossValue total = new LossValue(0, 0);
    for (int i = 0; i < val.size(); i += batch) {
      try (NDManager m = root.newSubManager()) {
        total = total.plus(model.loss(m, lmBatch(val.subList(i, Math.min(val.size(), i + batch)))));
      }
    }
    return LoraTraining.finite(total.mean(), "validation loss");
  }

  /**
   * The base directory, filled under a temporary name and renamed into place whole. Besides the
   * weights it holds the tokenizer and a tokenizer_config.json with the chat template the fine-tune
   * uses ({@code model.chat_template}), so transformers loads it as it is, template included.
   */
  private static Path write(
      WorkerSpec spec,
      BaseWeights weights,
      Path tokenizerFile,
      String chatTemplate,
      MistralConfig config)
      throws IOException {
    Path target = spec.outputDir();
    Path staging = AtomicFiles.stagingDirectory(target);
    try {
      weights.save(staging);
      Files.copy(
          tokenizerFile, staging.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
      TokenizerConfig.writeForScratch(staging, chatTemplate, config.maxPositionEmbeddings());
      BaseStamp.write(staging, BaseStamp.inputsHash(spec));
      AtomicFiles.publish(staging, target);
    } finally {
      AtomicFiles.deleteTree(staging);
    }
    return target;
  }

  static MistralConfig config(JsonNode s, int vocab, Integer bos, Integer eos, Integer pad) {
    return new MistralConfig(
        "mistral",
        vocab,
        s.path("hidden_size").asInt(),
        s.path("intermediate_size").asInt(),
        s.path("layers").asInt(),
        s.path("heads").asInt(),
        s.path("kv_heads").asInt(),
        s.path("head_dim").asInt(),
        s.path("rms_norm_eps").asDouble(),
        s.path("rope_theta").asDouble(),
        MAX_POSITIONS,
        false,
        bos,
        eos == null ? List.of() : List.of(eos),
        pad,
        null);
  }

  /**
   * Two documents per row, {@code [bos] + enc(question) + [eos]} and {@code [bos] + enc(" " +
   * answer) + [eos]} (the answer encoded as the chat template encodes it).
   */
  static List<int[]> documents(Documents enc, List<QaRow> rows) {
    List<int[]> q = enc.encode(rows.stream().map(QaRow::question).toList());
    List<int[]> a = enc.encode(rows.stream().map(r -> " " + r.answer()).toList());
    int bos = Math.toIntExact(enc.ids().bos());
    int eos = Math.toIntExact(enc.ids().eos()[0]);
    List<int[]> docs = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      for (int[] text : List.of(q.get(i), a.get(i))) {
        int[] d = new int[text.length + 2];
        d[0] = bos;
        System.arraycopy(text, 0, d, 1, text.length);
        d[d.length - 1] = eos;
        docs.add(d);
      }
    }
    return docs;
  }

  /** Plain documents: the tokenizer's ids of a text (no special ids added) and the ids to wrap. */
  record Documents(HuggingFaceTokenizer tokenizer, SpecialIds ids) {
    List<int[]> encode(List<String> texts) {
      return Tokens.encode(tokenizer, texts);
    }
  }

  static int[] concat(List<int[]> docs, int[] order) {
    int n = 0;
    for (int[] d : docs) {
      n += d.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (int k = 0; k < docs.size(); k++) {
      int[] d = docs.get(order == null ? k : order[k]);
      System.arraycopy(d, 0, out, at, d.length);
      at += d.length;
    }
    return out;
  }

  static List<int[]> windows(int[] stream, int len) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i + len <= stream.length; i += len) {
      out.add(java.util.Arrays.copyOfRange(stream, i, i + len));
    }
    return out;
  }

  static TokenBatch lmBatch(List<int[]> windows) {
    long[][] ids = new long[windows.size()][];
    for (int b = 0; b < ids.length; b++) {
      ids[b] = java.util.Arrays.stream(windows.get(b)).asLongStream().toArray();
    }
    TokenBatch plain = TokenBatch.of(ids);
    return new TokenBatch(ids, plain.attentionMask(), ids);
  }

  private static Integer intOrNull(JsonNode data, String key) {
    return data.path(key).isIntegralNumber() ? data.get(key).asInt() : null;
  }

  /**
   * Windows of the document stream, reshuffled (Python's generator, as for fine-tuning) per pass.
   */
  private static final class WindowStream {
    private final List<int[]> docs;
    private final int len;
    private final long seed;
    private int pass = -1;
    private List<int[]> windows = List.of();
    private int next;
    private long served;
    private long perPass;

    WindowStream(List<int[]> docs, int len, long seed) {
      this.docs = docs;
      this.len = len;
      this.seed = seed;
    }

    List<int[]> next(int n) {
      List<int[]> out = new ArrayList<>(n);
      while (out.size() < n) {
        if (next >= windows.size()) {
          pass++;
          List<Integer> order = new ArrayList<>();
          for (int i = 0; i < docs.size(); i++) {
            order.add(i);
          }
          PyRandom.forEpoch(seed, pass).shuffle(order);
          windows =
              windows(concat(docs, order.stream().mapToInt(Integer::intValue).toArray()), len);
          if (windows.isEmpty()) {
            throw new BadInputException(
                "the train split holds fewer tokens than one pre-training window of " + len);
          }
          perPass = windows.size();
          next = 0;
        }
        out.add(windows.get(next++));
        served++;
      }
      return out;
    }

    /** Passes over the train text so far (fractional). */
    double passes() {
      return perPass == 0 ? 0 : (double) served / perPass;
    }
  }
}
