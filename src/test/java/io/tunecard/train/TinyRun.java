package io.tunecard.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.testing.MedQuadSample;
import io.tunecard.tokenize.BpeTrainer;
import io.tunecard.tokenize.TokenizerFiles;
import io.tunecard.worker.EventWriter;
import io.tunecard.worker.WorkerMain;
import io.tunecard.worker.WorkerSpec;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tiny training run for tests: 48 MedQuAD pairs as the train split and 12 as validation, a
 * 300-token BPE, and a 2-layer Mistral (hidden 32) pre-trained for a few steps by the real {@code
 * pretrain} command, run in this JVM (once: later runs copy its files). Training takes a second or
 * two per worker.
 */
final class TinyRun {
  static final String YAML =
      "name: tiny\n"
          + "dataset: {path: data/none}\n"
          + "model:\n"
          + "  base: scratch\n"
          + "  max_seq_len: 96\n"
          + "  tokenizer: {vocab_size: 300, min_frequency: 2}\n"
          + "  scratch: {hidden_size: 32, intermediate_size: 64, layers: 2, heads: 4, kv_heads: 2,"
          + " head_dim: 8, pretrain_steps: 4, pretrain_batch: 2, pretrain_seq_len: 16,"
          + " pretrain_lr: 1.0e-2}\n"
          + "lora: {r: 4, alpha: 8, dropout: 0.1}\n"
          + "train: {engine: djl, device: cpu, max_steps: 8, micro_batch: 2, grad_accum: 2,"
          + " lr: 1.0e-2, warmup_ratio: 0.25, log_every: 2, eval_every: 4, save_every: 2,"
          + " keep_last: 2, eval_limit: 6, retries: 2, seed: 7}\n";

  private static Path template;

  private TinyRun() {}

  static Workflow workflow(String... overrides) {
    return WorkflowLoader.parseYaml("tiny.yaml", YAML, List.of(overrides));
  }

  /** A run directory with dataset/ and tokenizer/ (no base yet). */
  static RunDirectory dataset(Path root) throws IOException {
    RunDirectory run = new RunDirectory(root);
    List<MedQuadSample.Pair> pairs = MedQuadSample.pairs();
    Files.createDirectories(run.dataset());
    write(run.split("train"), pairs.subList(0, 48));
    write(run.split("validation"), pairs.subList(1000, 1012));
    write(run.split("test"), pairs.subList(2000, 2006));
    ObjectNode stats = Jsonl.MAPPER.createObjectNode();
    stats.putObject("answer_chars");
    stats.putNull("answer_tokens");
    Files.writeString(run.stats(), Jsonl.pretty(stats));
    return run;
  }

  /**
   * dataset/, tokenizer/ and a pre-trained base/: the pretrain command runs in this JVM once, and
   * every call copies what it wrote (the same inputs would train the same base again).
   */
  static synchronized RunDirectory withBase(Path root) throws IOException {
    if (template == null) {
      Path t = Files.createTempDirectory("tunecard-tiny-base-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(t)));
      pretrained(t);
      template = t;
    }
    for (String part : new String[] {"dataset", "tokenizer", "base"}) {
      copyTree(template.resolve(part), root.resolve(part));
    }
    return new RunDirectory(root);
  }

  private static void pretrained(Path root) throws IOException {
    RunDirectory run = dataset(root);
    List<String> texts = new ArrayList<>();
    for (QaRow r : QaRow.read(run.split("train"), null)) {
      texts.add(r.question());
      texts.add(r.answer());
    }
    TokenizerFiles.write(
        run.tokenizer().resolve("tokenizer.json"), new BpeTrainer(300, 2).train(texts));
    ByteArrayOutputStream events = new ByteArrayOutputStream();
    int status = inProcess(WorkerSpecs.pretrain(workflow(), run), run, events);
    if (status != 0) {
      throw new IllegalStateException(
          "pretrain failed: " + events.toString(StandardCharsets.UTF_8));
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      AtomicFiles.deleteTree(dir);
    } catch (IOException e) {
      // a leftover folder in the temporary directory does no harm
    }
  }

  /** Runs the djl worker for {@code spec} in this JVM; returns its exit status. */
  static int inProcess(WorkerSpec spec, RunDirectory run, ByteArrayOutputStream events)
      throws IOException {
    Path file = run.logs().resolve(spec.command().wire() + "-spec.json");
    Files.createDirectories(run.logs());
    spec.write(file);
    return WorkerMain.run(
        new String[] {spec.command().wire(), file.toString()},
        DjlWorker::run,
        new EventWriter(events));
  }

  private static void write(Path file, List<MedQuadSample.Pair> pairs) throws IOException {
    StringBuilder b = new StringBuilder();
    for (MedQuadSample.Pair p : pairs) {
      ObjectNode o = Jsonl.MAPPER.createObjectNode();
      o.put("id", p.id());
      o.put("question", p.question());
      o.put("answer", p.answer());
      b.append(Jsonl.write(o)).append('\n');
    }
    Files.writeString(file, b.toString());
  }
}
