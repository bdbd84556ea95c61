package io.tunecard.evaluate;

import io.tunecard.files.SafePaths;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.WorkerSpecs;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.StrategySpec;
import io.tunecard.workflow.Workflow;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * What the evaluation stage needs from the workflow and the run directory, in a form its Beam steps
 * can carry to any worker (paths as strings).
 *
 * @param modelBase {@code model.base} as written: {@code scratch}, a directory, or a Hub id
 * @param tokenizer the tokenizer.json of a scratch base, null to use the base directory's own
 * @param bertscore BERTScore's encoder: the workflow's {@code eval.bertscore}, else roberta-large
 *     layer 17 (bert_score's default for English)
 * @param hfEvaluateSpec the hf engine's {@code evaluate} worker spec (JSON) without the parts only
 *     known when the stage runs (checkpoints, encoder, paths; {@link HfEngine} fills them), null
 *     for djl
 * @param workerLauncher a program speaking the worker protocol that replaces {@code python -m
 *     tunecard_worker} for the hf engine; null for the default
 * @param outputDir where the stage writes what ends up in {@code eval/} (a staging directory beside
 *     it while the stage runs)
 */
public record EvalSettings(
    String runDir,
    String engine,
    String split,
    Integer limit,
    int maxNewTokens,
    int batch,
    List<StrategySpec> strategies,
    boolean compareBase,
    int bootstrapResamples,
    long seed,
    boolean rougeStemming,
    BertScoreSettings bertscore,
    String modelBase,
    String tokenizer,
    boolean nf4,
    int maxSeqLen,
    String python,
    int retries,
    String hfEvaluateSpec,
    List<String> workerLauncher,
    String outputDir,
    int torchThreads)
    implements Serializable {

  /** BERTScore's settings ({@link BertScoreSpec}). */
  public record BertScoreSettings(
      String model, int layer, boolean rescaleWithBaseline, int batch, String dtype)
      implements Serializable {}

  public static final String HF = "hf";

  public EvalSettings {
    strategies = List.copyOf(strategies);
    workerLauncher = workerLauncher == null ? null : List.copyOf(workerLauncher);
  }

  /** The settings of {@code w} for the run in {@code run}. */
  public static EvalSettings of(Workflow w, RunDirectory run) {
    EvalSpec e = w.eval();
    BertScoreSpec b = e.bertscore() == null ? BertScoreSpec.defaults() : e.bertscore();
    BertScoreSettings bert =
        new BertScoreSettings(b.model(), b.layer(), b.rescaleWithBaseline(), b.batch(), b.dtype());
    String evaluateSpec =
        HF.equals(e.engine())
            ? WorkerSpecs.evaluate(
                    w, run, List.of(), null, Path.of(b.model()), HfEngine.workDir(run.eval()))
                .toString()
            : null;
    return new EvalSettings(
        run.root().toString(),
        e.engine(),
        e.split(),
        e.limit(),
        e.maxNewTokens(),
        e.batch(),
        e.strategies(),
        e.compareBase(),
        e.bootstrapResamples(),
        e.seed(),
        e.rougeStemming(),
        bert,
        w.model().base(),
        w.model().isScratch() ? run.tokenizer().resolve("tokenizer.json").toString() : null,
        "nf4".equals(w.model().quantization()),
        w.model().maxSeqLen(),
        w.train().python(),
        w.train().retries(),
        evaluateSpec,
        null,
        run.eval().toString(),
        0);
  }

  public RunDirectory run() {
    return new RunDirectory(Path.of(runDir));
  }

  public boolean isHf() {
    return HF.equals(engine);
  }

  /** The same settings with the hf worker started by {@code launcher} (tests, custom engines). */
  public EvalSettings withWorkerLauncher(List<String> launcher) {
    return with(launcher, outputDir, torchThreads);
  }

  /** The same settings writing into {@code dir} instead of {@code eval/}. */
  public EvalSettings withOutputDir(Path dir) {
    return with(workerLauncher, dir.toAbsolutePath().toString(), torchThreads);
  }

  /** The same settings with {@code threads} per libtorch operation (0: libtorch's default). */
  public EvalSettings withTorchThreads(int threads) {
    return with(workerLauncher, outputDir, threads);
  }

  private EvalSettings with(List<String> launcher, String out, int threads) {
    return new EvalSettings(
        runDir,
        engine,
        split,
        limit,
        maxNewTokens,
        batch,
        strategies,
        compareBase,
        bootstrapResamples,
        seed,
        rougeStemming,
        bertscore,
        modelBase,
        tokenizer,
        nf4,
        maxSeqLen,
        python,
        retries,
        hfEvaluateSpec,
        launcher,
        out,
        threads);
  }

  /** What becomes {@code eval/}. */
  public Path evalDir() {
    return Path.of(outputDir);
  }

  public Path metricsFile() {
    return evalDir().resolve("metrics.json");
  }

  public Path evalLossFile() {
    return evalDir().resolve(EvalLossReport.FILE);
  }

  /** {@code generations/<strategy>.jsonl}, or {@code generations-base/} for the base. */
  public Path generationsFile(String model, String strategy) {
    String dir = QuestionBatch.BASE.equals(model) ? "generations-base" : "generations";
    return SafePaths.inside(evalDir().resolve(dir), strategy + ".jsonl", "strategy name");
  }

  /**
   * The questions one batch of the djl engine holds: {@code eval.batch} for every strategy, so a
   * beam search step runs {@code batch × num_beams} rows. On the CPU a decoding step costs mostly
   * its per-operation overhead, so wider steps are cheaper than more of them (the hf engine divides
   * the batch by the beams, for GPU memory).
   */
  public int questionsPerBatch(StrategySpec strategy) {
    return batch;
  }

  /** How the JVM decoder runs {@code strategy}: with {@code max_new_tokens} and its seed. */
  public Decoding decoding(StrategySpec strategy) {
    return Decoding.of(strategy, maxNewTokens, seed);
  }

  /** The strategy called {@code name}. */
  public StrategySpec strategy(String name) {
    return strategies.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no strategy named '" + name + "'"));
  }
}
