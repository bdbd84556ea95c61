package io.tunecard.evaluate;

import io.tunecard.files.SafePaths;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.workflow.BertScoreSpec;
import io.tunecard.workflow.EvalSpec;
import io.tunecard.workflow.StrategySpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowContext;
import java.nio.file.Path;
import java.util.List;

/**
 * What an evaluation step reads, derived where the step runs from the run's workflow ({@link
 * WorkflowContext}) and the stage's {@link EvalOptions}: the {@code eval} section, the run
 * directory, the files the stage writes. It never crosses the pipeline; the steps carry the context
 * and the options and make this view when they run.
 */
public record Evaluation(Workflow workflow, RunDirectory run, EvalOptions options) {
  private static final String HF = "hf";

  /** The view of {@code context} with {@code options}. */
  public static Evaluation of(WorkflowContext context, EvalOptions options) {
    return new Evaluation(context.workflow(), new RunDirectory(context.runDir()), options);
  }

  /** The workflow's {@code eval} section. */
  public EvalSpec eval() {
    return workflow.eval();
  }

  public boolean isHf() {
    return HF.equals(eval().engine());
  }

  /**
   * BERTScore's encoder: the workflow's {@code eval.bertscore}, else roberta-large layer 17
   * (bert_score's default for English).
   */
  public BertScoreSpec bertscore() {
    return eval().bertscore() == null ? BertScoreSpec.defaults() : eval().bertscore();
  }

  /** The directory of {@code model.base} ({@link LoadedModel#baseDirectory}). */
  public Path baseDirectory() {
    return LoadedModel.baseDirectory(workflow.model().base(), run);
  }

  /** The tokenizer.json of a scratch base, null to use the base directory's own. */
  public Path tokenizer() {
    return workflow.model().isScratch() ? run.tokenizer().resolve("tokenizer.json") : null;
  }

  /** The tokenizer.json the JVM loads with the base. */
  public Path tokenizerFile(Path baseDir) {
    Path t = tokenizer();
    return t != null ? t : baseDir.resolve("tokenizer.json");
  }

  public boolean nf4() {
    return "nf4".equals(workflow.model().quantization());
  }

  /** What becomes {@code eval/}. */
  public Path evalDir() {
    return options.outputDir() == null ? run.eval() : Path.of(options.outputDir());
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

  /** The models that answer: the fine-tune, then (with {@code eval.compare_base}) the base. */
  public List<String> models() {
    return eval().compareBase()
        ? List.of(QuestionBatch.ADAPTER, QuestionBatch.BASE)
        : List.of(QuestionBatch.ADAPTER);
  }

  /**
   * The questions one batch of the djl engine holds: {@code eval.batch} for every strategy, so a
   * beam search step runs {@code batch × num_beams} rows. On the CPU a decoding step costs mostly
   * its per-operation overhead, so wider steps are cheaper than more of them (the hf engine divides
   * the batch by the beams, for GPU memory).
   */
  public int questionsPerBatch() {
    return eval().batch();
  }

  /** How the JVM decoder runs {@code strategy}: with {@code max_new_tokens} and its seed. */
  public Decoding decoding(StrategySpec strategy) {
    return Decoding.of(strategy, eval().maxNewTokens(), eval().seed());
  }

  /** The strategy called {@code name}. */
  public StrategySpec strategy(String name) {
    return eval().strategies().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no strategy named '" + name + "'"));
  }
}
