package io.tunecard.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.ModelSpec;
import io.tunecard.workflow.ScratchSpec;
import io.tunecard.workflow.TrainSpec;
import io.tunecard.workflow.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the worker spec of each command from a validated {@link Workflow} and the run directory.
 * Keys are spec.schema.json's snake_case names; every path is absolute. Training commands use
 * {@code train.engine}, evaluation commands {@code eval.engine}; both use {@code train.device}.
 */
public final class WorkerSpecs {
  private WorkerSpecs() {}

  /**
   * The spec of {@code command} with its defaults: eval_loss scores the base and every complete
   * checkpoint; generate needs its inputs named, see {@link #generate}.
   */
  public static WorkerSpec build(Workflow w, RunDirectory run, Command command) {
    return switch (command) {
      case PRETRAIN -> pretrain(w, run);
      case TRAIN -> train(w, run);
      case EVAL_LOSS -> {
        List<Path> checkpoints = new ArrayList<>();
        checkpoints.add(null);
        Checkpoints.scan(run.checkpoints()).complete().forEach(c -> checkpoints.add(c.path()));
        yield evalLoss(w, run, checkpoints);
      }
      case GENERATE ->
          throw new IllegalArgumentException(
              "generate: name the adapter, questions file and output directory with"
                  + " WorkerSpecs.generate(...)");
      case EVALUATE ->
          throw new IllegalArgumentException(
              "evaluate: name the checkpoints, questions file, encoder and output directory with"
                  + " WorkerSpecs.evaluate(...)");
    };
  }

  /** Pre-trains the scratch base into {@code base/}; model.base is {@code scratch}. */
  public static WorkerSpec pretrain(Workflow w, RunDirectory run) {
    ModelSpec m = w.model();
    if (!m.isScratch()) {
      throw new IllegalArgumentException(
          "pretrain: model.base is '" + m.base() + "'; only a scratch base is pre-trained");
    }
    ScratchSpec s = m.scratch();
    // Only the djl engine pre-trains (the base stage always launches it); train.engine may be hf.
    ObjectNode spec = header(Command.PRETRAIN, "djl", w.train().device(), s.seed());
    ObjectNode model = model(spec, m, run, ModelSpec.SCRATCH);
    ObjectNode scratch = model.putObject("scratch");
    scratch.put("hidden_size", s.hiddenSize());
    scratch.put("intermediate_size", s.intermediateSize());
    scratch.put("layers", s.layers());
    scratch.put("heads", s.heads());
    scratch.put("kv_heads", s.kvHeads());
    scratch.put("head_dim", s.headDim());
    scratch.put("rope_theta", s.ropeTheta());
    scratch.put("rms_norm_eps", s.rmsNormEps());
    scratch.put("steps", s.pretrainSteps());
    scratch.put("batch", s.pretrainBatch());
    scratch.put("seq_len", s.pretrainSeqLen());
    scratch.put("lr", s.pretrainLr());
    spec.putNull("lora");
    ObjectNode data = spec.putObject("data");
    data.put("train", path(run.split("train")));
    data.put("validation", path(run.split("validation")));
    data.put("train_limit", w.train().limit());
    data.put("validation_limit", w.train().evalLimit());
    spec.put("output_dir", path(run.base()));
    return WorkerSpec.of(spec);
  }

  /** The LoRA fine-tune; checkpoints go to {@code train/checkpoints}. */
  public static WorkerSpec train(Workflow w, RunDirectory run) {
    TrainSpec t = w.train();
    ObjectNode spec = header(Command.TRAIN, t.engine(), t.device(), t.seed());
    model(spec, w.model(), run, modelBase(w.model(), run));
    ObjectNode lora = spec.putObject("lora");
    lora.put("r", w.lora().r());
    lora.put("alpha", w.lora().alpha());
    lora.put("dropout", w.lora().dropout());
    ArrayNode targets = lora.putArray("targets");
    w.lora().targets().forEach(targets::add);
    ObjectNode data = spec.putObject("data");
    data.put("train", path(run.split("train")));
    data.put("validation", path(run.split("validation")));
    data.put("train_limit", t.limit());
    data.put("validation_limit", t.evalLimit());
    ObjectNode train = spec.putObject("train");
    train.put("epochs", t.epochs());
    train.put("max_steps", t.maxSteps());
    train.put("micro_batch", t.microBatch());
    train.put("grad_accum", t.gradAccum());
    train.put("lr", t.lr());
    train.put("schedule", t.schedule());
    train.put("warmup_ratio", t.warmupRatio());
    train.put("weight_decay", t.weightDecay());
    train.put("adam_beta1", t.adamBeta1());
    train.put("adam_beta2", t.adamBeta2());
    train.put("adam_eps", t.adamEps());
    train.put("max_grad_norm", t.maxGradNorm());
    train.put("log_every", t.logEvery());
    train.put("eval_every_steps", t.evalEverySteps());
    train.put("save_every_steps", t.saveEverySteps());
    train.put("keep_last", t.keepLast());
    train.put("batching", t.batching());
    spec.put("output_dir", path(run.train()));
    return WorkerSpec.of(spec);
  }

  /**
   * Validation loss of each adapter directory in {@code checkpoints} (a null entry scores the base
   * model); the child writes {@code eval/eval_loss.json}.
   */
  public static WorkerSpec evalLoss(Workflow w, RunDirectory run, List<Path> checkpoints) {
    EvalSpec e = w.eval();
    ObjectNode spec = header(Command.EVAL_LOSS, e.engine(), w.train().device(), e.seed());
    model(spec, w.model(), run, modelBase(w.model(), run));
    ObjectNode data = spec.putObject("data");
    data.put("validation", path(run.split("validation")));
    ObjectNode evalLoss = spec.putObject("eval_loss");
    ArrayNode list = evalLoss.putArray("checkpoints");
    checkpoints.forEach(c -> list.add(c == null ? null : path(c)));
    evalLoss.put("batch", e.batch());
    spec.put("output_dir", path(run.eval()));
    return WorkerSpec.of(spec);
  }

  /**
   * Generation with every strategy of the workflow. {@code eval.limit} is applied by handing a
   * questions file that holds only the rows to answer.
   *
   * @param adapter a PEFT adapter directory, or null for the base model alone
   * @param questions JSON lines with id, question and answer (the reference)
   * @param outputDir where the child writes {@code <strategy>.jsonl}
   */
  public static WorkerSpec generate(
      Workflow w, RunDirectory run, Path adapter, Path questions, Path outputDir) {
    EvalSpec e = w.eval();
    ObjectNode spec = header(Command.GENERATE, e.engine(), w.train().device(), e.seed());
    model(spec, w.model(), run, modelBase(w.model(), run));
    spec.putObject("data").put("questions", path(questions));
    generateSection(spec, e).put("adapter", adapter == null ? null : path(adapter));
    spec.put("output_dir", path(outputDir));
    return WorkerSpec.of(spec);
  }

  /**
   * The whole evaluation in one child: the validation loss of each entry of {@code checkpoints} (a
   * null entry: the base), then answers of the best checkpoint and (with {@code eval.compare_base})
   * of the base under every strategy, then their BERTScore.
   *
   * @param questions JSON lines with id, question and answer (the reference); {@code eval.limit} is
   *     applied by handing only the rows to answer
   * @param encoder the BERTScore encoder's directory (in a template: {@code eval.bertscore.model}
   *     as written, replaced once located); null: BERTScore is not computed
   * @param outputDir the child's folder (docs/worker-protocol-python.md, evaluate)
   */
  public static WorkerSpec evaluate(
      Workflow w,
      RunDirectory run,
      List<Path> checkpoints,
      Path questions,
      Path encoder,
      Path outputDir) {
    EvalSpec e = w.eval();
    ObjectNode spec = header(Command.EVALUATE, e.engine(), w.train().device(), e.seed());
    model(spec, w.model(), run, modelBase(w.model(), run));
    ObjectNode data = spec.putObject("data");
    data.put("validation", path(run.split("validation")));
    data.put("questions", questions == null ? null : path(questions));
    ObjectNode evalLoss = spec.putObject("eval_loss");
    ArrayNode list = evalLoss.putArray("checkpoints");
    checkpoints.forEach(c -> list.add(c == null ? null : path(c)));
    evalLoss.put("batch", e.batch());
    generateSection(spec, e).put("compare_base", e.compareBase());
    BertScoreSpec b = e.bertscore() == null ? BertScoreSpec.defaults() : e.bertscore();
    if (encoder == null) {
      spec.putNull("bertscore");
    } else {
      ObjectNode bert = spec.putObject("bertscore");
      bert.put("model", encoder.isAbsolute() ? path(encoder) : encoder.toString());
      bert.put("layer", b.layer());
      bert.put("batch", b.batch());
      bert.put("rescale_with_baseline", b.rescaleWithBaseline());
      bert.put("dtype", b.dtype());
    }
    spec.put("output_dir", path(outputDir));
    return WorkerSpec.of(spec);
  }

  /** The {@code generate} section: every strategy of the workflow, each with its seed. */
  private static ObjectNode generateSection(ObjectNode spec, EvalSpec e) {
    ObjectNode gen = spec.putObject("generate");
    gen.putNull("adapter");
    gen.put("max_new_tokens", e.maxNewTokens());
    gen.put("batch", e.generationBatch());
    ArrayNode strategies = gen.putArray("strategies");
    e.strategies().forEach(s -> strategies.add(s.toJson(e.seed())));
    return gen;
  }

  /**
   * The base the child loads: the run's {@code base/} for a scratch base, an existing local
   * directory as an absolute path, otherwise the Hub id as written.
   */
  public static String modelBase(ModelSpec m, RunDirectory run) {
    if (m.isScratch()) {
      return path(run.base());
    }
    Path local = Path.of(m.base());
    return Files.isDirectory(local) ? path(local) : m.base();
  }

  private static ObjectNode header(Command command, String engine, String device, long seed) {
    ObjectNode spec = Jsonl.MAPPER.createObjectNode();
    spec.put("protocol", WorkerSpec.PROTOCOL);
    spec.put("command", command.wire());
    spec.put("engine", engine);
    spec.put("device", device);
    spec.put("seed", seed);
    return spec;
  }

  private static ObjectNode model(ObjectNode spec, ModelSpec m, RunDirectory run, String base) {
    ObjectNode model = spec.putObject("model");
    model.put("base", base);
    model.put("tokenizer", m.isScratch() ? path(run.tokenizer().resolve("tokenizer.json")) : null);
    model.put("quantization", m.quantization());
    model.put("nf4_backend", m.nf4Backend());
    model.put("dtype", m.dtype());
    model.put("max_seq_len", m.maxSeqLen());
    model.put("chat_template", m.chatTemplate());
    return model;
  }

  private static String path(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }
}
