package io.tunecard.evaluate;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.model.AdamW;
import io.tunecard.model.BaseWeights;
import io.tunecard.model.ChatTemplate;
import io.tunecard.model.MistralConfig;
import io.tunecard.model.MistralModel;
import io.tunecard.model.Projection;
import io.tunecard.model.StepOptions;
import io.tunecard.model.TokenBatch;
import io.tunecard.model.lora.LoraAdapter;
import io.tunecard.model.lora.LoraConfig;
import io.tunecard.model.lora.PeftFormat;
import io.tunecard.rundir.DatasetRow;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.worker.Checkpoints;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real, tiny run directory for the evaluation stage, made the way the earlier stages make theirs:
 * MedQuAD rows in dataset/, a byte-level BPE tokenizer trained on the train rows, a random
 * Mistral-architecture base saved as a Hugging Face directory, and two PEFT checkpoints of a LoRA
 * adapter trained a few AdamW steps on the train rows (so the fine-tune differs from the base).
 */
public final class EvalRunFixture {
  public static final String YAML =
      "name: evaltest\n"
          + "dataset: {path: data/medquad.zip}\n"
          + "model: {base: scratch, max_seq_len: 96, tokenizer: {vocab_size: 420},"
          + " scratch: {hidden_size: 32, intermediate_size: 64, layers: 2, heads: 4, kv_heads: 2,"
          + " head_dim: 8}}\n"
          + "lora: {r: 4, alpha: 8, dropout: 0.0}\n"
          + "eval: {limit: 6, max_new_tokens: 6, batch: 4}\n";

  private static Path template;

  private EvalRunFixture() {}

  /**
   * The fixture's workflow with {@code overrides}, as the steps of the run in {@code run} get it.
   */
  public static WorkflowContext context(RunDirectory run, String... overrides) {
    return WorkflowContext.of("evaltest.yaml", YAML, List.of(overrides), run.root());
  }

  /** A fresh copy of the fixture run in {@code dir} (built once per JVM, then copied). */
  public static synchronized RunDirectory copyTo(Path dir) {
    try {
      if (template == null) {
        Path t = Files.createTempDirectory("tunecard-eval-fixture");
        build(new RunDirectory(t));
        template = t;
      }
      copyTree(template, dir);
      return new RunDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void build(RunDirectory run) throws IOException {
    List<MedQuadSample.Pair> pairs = MedQuadSample.pairs().subList(0, 60);
    List<DatasetRow> rows = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      MedQuadSample.Pair p = pairs.get(i);
      String id = String.format("Q%02d_%s", i, p.id()); // MedQuAD's ids repeat across sources
      rows.add(new DatasetRow(id, "test", null, null, p.question(), p.answer(), null, null, null));
    }
    writeSplit(run, "train", rows.subList(0, 40));
    writeSplit(run, "validation", rows.subList(40, 50));
    writeSplit(run, "test", rows.subList(50, 60));
    List<String> texts = new ArrayList<>();
    rows.subList(0, 40).forEach(r -> texts.addAll(List.of(r.question(), r.answer())));
    Path tokenizer = run.tokenizer().resolve("tokenizer.json");
    Files.createDirectories(run.tokenizer());
    var bpe = new BpeTrainer(420, 2).train(texts);
    TokenizerFiles.write(tokenizer, bpe);
    MistralConfig config =
        MistralConfig.mistral(bpe.size(), 32, 64, 2, 4, 2, 8, 1e-5, 10000.0, 128, 1, 2, 5);
    try (NDManager root = NDManager.newBaseManager();
        BaseWeights base = BaseWeights.random(config, 7, root);
        ChatTemplate chat = ChatTemplate.load(null, tokenizer, config);
        LoraAdapter lora =
            LoraAdapter.create(
                config, new LoraConfig(4, 8, 0.0, EnumSet.allOf(Projection.class)), 3, root);
        AdamW opt = new AdamW(lora.parameters(), AdamW.Hyper.torchDefaults(), root)) {
      base.save(run.base());
      Files.copy(tokenizer, run.base().resolve("tokenizer.json"));
      MistralModel model = new MistralModel(base, lora);
      TokenBatch batch = trainingBatch(chat, rows.subList(0, 8));
      for (int step = 1; step <= 4; step++) {
        lora.zeroGradients();
        try (NDManager m = root.newSubManager()) {
          model.trainStep(m, batch, StepOptions.of(step));
        }
        opt.step(3e-2);
        if (step % 2 == 0) {
          int s = step;
          Checkpoints.write(
              run.checkpoints(),
              step,
              dir -> {
                PeftFormat.save(lora, dir);
                ObjectNode state = Jsonl.MAPPER.createObjectNode();
                state.put("engine", "djl");
                state.put("global_step", s);
                state.putNull("eval_loss");
                AtomicFiles.writeString(
                    dir.resolve(Checkpoints.TRAINER_STATE), Jsonl.pretty(state));
              });
        }
      }
    }
  }

  /** Prompt + answer ids cut to 48 tokens, right-padded, loss on the answer. */
  private static TokenBatch trainingBatch(ChatTemplate chat, List<DatasetRow> rows) {
    int len = 48;
    long[][] ids = new long[rows.size()][len];
    int[][] mask = new int[rows.size()][len];
    long[][] labels = new long[rows.size()][len];
    for (int i = 0; i < rows.size(); i++) {
      ChatTemplate.Exchange x =
          chat.exchanges(List.of(rows.get(i).question()), List.of(rows.get(i).answer())).get(0);
      long[] p = Arrays.copyOf(x.ids(), x.promptLength());
      long[] all = x.ids();
      Arrays.fill(ids[i], chat.ids().pad());
      Arrays.fill(labels[i], TokenBatch.IGNORE);
      for (int t = 0; t < Math.min(len, all.length); t++) {
        ids[i][t] = all[t];
        mask[i][t] = 1;
        labels[i][t] = t >= Math.min(p.length, len - 8) ? all[t] : TokenBatch.IGNORE;
      }
    }
    return new TokenBatch(ids, mask, labels);
  }

  private static void writeSplit(RunDirectory run, String split, List<DatasetRow> rows)
      throws IOException {
    StringBuilder b = new StringBuilder();
    rows.forEach(r -> b.append(Jsonl.write(r)).append('\n'));
    AtomicFiles.writeString(run.split(split), b.toString());
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
