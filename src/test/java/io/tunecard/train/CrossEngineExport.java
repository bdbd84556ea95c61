package io.tunecard.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.AtomicFiles;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JVM half of the cross-engine check (scripts/crosscheck/cross_engine.py runs the other half
 * where PyTorch is): a tiny run whose LoRA adapter the djl engine trains, a second run directory
 * with the same dataset, tokenizer and base for the hf engine, its train spec, and a batch of
 * validation rows (chat template, right-padded) to compare logits on.
 *
 * <pre>
 * java -cp ... io.tunecard.train.CrossEngineExport OUT_DIR [--nf4]
 * </pre>
 *
 * OUT_DIR then holds {@code djl/} (the trained run), {@code hf/} (dataset, tokenizer, base), {@code
 * hf-train-spec.json} and {@code batch.json}. With {@code --nf4} both engines train on an NF4 base
 * instead: the same pre-trained base as a local directory ({@code nf4-base/}) and {@code
 * model.quantization: nf4}, each engine quantizing it itself; the hf spec runs on the CPU ({@code
 * scripts/crosscheck/cross_engine.py --nf4}).
 */
public final class CrossEngineExport {
  static final String[] OVERRIDES = {
    "lora.targets=[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]", "lora.dropout=0.0"
  };

  private CrossEngineExport() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]).toAbsolutePath().normalize();
    boolean nf4 = args.length > 1 && args[1].equals("--nf4");
    AtomicFiles.deleteTree(out);
    RunDirectory tiny = TinyRun.withBase(out.resolve(nf4 ? "tiny" : "djl"));
    Workflow w = TinyRun.workflow(OVERRIDES);
    String device = "gpu";
    RunDirectory djl = tiny;
    List<String> copied = List.of("dataset", "tokenizer", "base");
    if (nf4) {
      Path base = out.resolve("nf4-base");
      copyTree(tiny.base(), base);
      if (!Files.exists(base.resolve("tokenizer.json"))) {
        Files.copy(tiny.tokenizer().resolve("tokenizer.json"), base.resolve("tokenizer.json"));
      }
      w = nf4Workflow(base, OVERRIDES);
      djl = new RunDirectory(out.resolve("djl"));
      copied = List.of("dataset");
      copyTree(tiny.dataset(), djl.dataset());
      device = "cpu";
    }
    TrainResult r = TrainingStage.train(w, djl, StageOptions.defaults());
    System.out.println("djl engine: " + TrainingStage.describe(r));

    RunDirectory hf = new RunDirectory(out.resolve("hf"));
    for (String dir : copied) {
      copyTree(djl.root().resolve(dir), hf.root().resolve(dir));
    }
    List<String> hfOverrides = new ArrayList<>(List.of(OVERRIDES));
    hfOverrides.addAll(List.of("train.engine=hf", "train.device=" + device));
    String[] hfSet = hfOverrides.toArray(String[]::new);
    Workflow hfWorkflow =
        nf4 ? nf4Workflow(out.resolve("nf4-base"), hfSet) : TinyRun.workflow(hfSet);
    WorkerSpecs.train(hfWorkflow, hf).write(out.resolve("hf-train-spec.json"));

    try (WorkerBase base = WorkerBase.open(modelNode(tiny))) {
      List<QaRow> rows = QaRow.read(djl.split("validation"), null).subList(0, 3);
      // Cut to three lengths, so that the batch has right padding to mask.
      EncodedSplit enc = EncodedSplit.of(base.template(), rows, 96);
      int[] lengths = {96, 70, 45};
      int len = lengths[0];
      ObjectNode batch = Jsonl.MAPPER.createObjectNode();
      ArrayNode ids = batch.putArray("input_ids");
      ArrayNode mask = batch.putArray("attention_mask");
      for (int row = 0; row < lengths.length; row++) {
        int[] e = enc.examples().get(row).ids();
        int n = Math.min(e.length, lengths[row]);
        ArrayNode i = ids.addArray();
        ArrayNode m = mask.addArray();
        for (int t = 0; t < len; t++) {
          i.add(t < n ? e[t] : base.ids().pad());
          m.add(t < n ? 1 : 0);
        }
      }
      Files.writeString(out.resolve("batch.json"), Jsonl.pretty(batch));
    }
  }

  /** The tiny workflow on {@code base} (a local directory) with {@code quantization: nf4}. */
  private static Workflow nf4Workflow(Path base, String... overrides) {
    String model = "model: {base: '" + base + "', quantization: nf4, max_seq_len: 96}\n";
    String yaml =
        TinyRun.YAML.replaceFirst(
            "(?s)model:.*(?=lora:)", java.util.regex.Matcher.quoteReplacement(model));
    return WorkflowLoader.parseYaml("tiny-nf4.yaml", yaml, List.of(overrides));
  }

  private static ObjectNode modelNode(RunDirectory run) {
    ObjectNode m = Jsonl.MAPPER.createObjectNode();
    m.put("base", run.base().toString());
    m.put("tokenizer", run.tokenizer().resolve("tokenizer.json").toString());
    m.put("max_seq_len", 96);
    return m;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
