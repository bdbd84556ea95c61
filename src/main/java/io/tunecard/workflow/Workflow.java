package io.tunecard.workflow;

import java.util.List;

/**
 * A validated workflow file: every stage's settings. Load one with {@link WorkflowLoader}.
 *
 * @param name a slug; it names {@code runs/<name>/} and {@code reports/<name>/}
 */
public record Workflow(
    String name,
    String description,
    DatasetSpec dataset,
    ModelSpec model,
    LoraSpec lora,
    TrainSpec train,
    EvalSpec eval,
    CardSpec card,
    PublishSpec publish) {

  public static final String SLUG = "(?!.*\\.\\.)[a-z0-9][a-z0-9._-]{0,99}";
  static final String SLUG_TEXT = "a slug (lower-case letters, digits, '.', '_', '-'; no '..')";

  public static final Setting<String> NAME =
      Setting.text("name", null)
          .help(
              "required: a slug (`[a-z0-9][a-z0-9._-]*`, no `..`); names `runs/<name>/` and"
                  + " `reports/<name>/`")
          .shown("—");
  public static final Setting<String> DESCRIPTION =
      Setting.text("description", "").help("one line for the card").shown("`\"\"`");

  /** The top level's own keys (the others are the sections). */
  public static final List<Setting<?>> SETTINGS = List.of(NAME, DESCRIPTION);

  public Workflow {
    Check c = new Check().present("name", name).matches("name", name, SLUG, SLUG_TEXT);
    if (model != null) {
      crossChecks(c, model, lora, train, eval);
    }
    if (model != null
        && train != null
        && eval != null
        && "nf4".equals(model.quantization())
        && "bitsandbytes".equals(model.nf4Backend())
        && ("djl".equals(train.engine()) || "djl".equals(eval.engine()))) {
      c.fail(
          "model.nf4_backend",
          "bitsandbytes quantizes in the hf engine only, but train.engine is '"
              + train.engine()
              + "' and eval.engine '"
              + eval.engine()
              + "' (the djl engine's NF4 is builtin: use nf4_backend builtin, or both engines hf)");
    }
    c.done();
  }

  /**
   * Bounds that join two sections: what the model's positions and width allow. A section that
   * failed its own checks is null here and skipped.
   */
  private static void crossChecks(
      Check c, ModelSpec model, LoraSpec lora, TrainSpec train, EvalSpec eval) {
    int positions = model.isScratch() ? ModelSpec.SCRATCH_POSITIONS : ModelSpec.MAX_POSITIONS;
    String whose =
        model.isScratch()
            ? "a scratch base has " + positions + " positions"
            : ModelSpec.POSITIONS_WHY;
    if (eval != null) {
      c.between(
          "eval.max_new_tokens",
          eval.maxNewTokens(),
          1,
          positions - 1,
          "the prompt and the answer must fit in the model's positions; " + whose);
    }
    if (train != null) {
      long tokens = (long) train.microBatch() * model.maxSeqLen();
      if (tokens > TrainSpec.MAX_MICRO_BATCH_TOKENS) {
        c.fail(
            "train.micro_batch",
            "expected micro_batch x model.max_seq_len of at most "
                + TrainSpec.MAX_MICRO_BATCH_TOKENS
                + " tokens, found "
                + train.microBatch()
                + " x "
                + model.maxSeqLen()
                + ": a micro-batch's activations are held in memory at once; raise grad_accum"
                + " for a larger effective batch");
      }
    }
    ScratchSpec s = model.scratch();
    if (lora != null && s != null) {
      int narrowest = narrowestSide(s, lora.targets());
      c.between(
          "lora.r",
          lora.r(),
          1,
          narrowest,
          "the rank of an update cannot exceed the smaller side of the matrix it adapts, and"
              + " the scratch base's narrowest adapted projection has "
              + narrowest);
    }
    if (eval != null && model.tokenizer() != null) {
      for (StrategySpec st : eval.strategies()) {
        if (st.topK() > model.tokenizer().vocabSize()) {
          c.fail(
              "eval.strategies",
              "'"
                  + st.name()
                  + "' has top_k "
                  + st.topK()
                  + ", more than the tokenizer's "
                  + model.tokenizer().vocabSize()
                  + " entries");
        }
      }
    }
  }

  /** The smallest dimension among the projections LoRA adapts in a scratch base. */
  private static int narrowestSide(ScratchSpec s, List<String> targets) {
    int attention = s.heads() * s.headDim();
    int kv = s.kvHeads() * s.headDim();
    int narrowest = Integer.MAX_VALUE;
    for (String t : targets) {
      int side =
          switch (t) {
            case "q_proj", "o_proj" -> Math.min(s.hiddenSize(), attention);
            case "k_proj", "v_proj" -> Math.min(s.hiddenSize(), kv);
            default -> Math.min(s.hiddenSize(), s.intermediateSize());
          };
      narrowest = Math.min(narrowest, side);
    }
    return narrowest == Integer.MAX_VALUE ? LoraSpec.MAX_R : narrowest;
  }

  /** The repository the card names and publishing targets: publish.repo_id, else card.repo_id. */
  public String repoId() {
    return publish.repoId() != null ? publish.repoId() : card.repoId();
  }

  static Workflow read(Section s) {
    return new Workflow(
        s.matching(NAME.key(), SLUG, SLUG_TEXT),
        DESCRIPTION.read(s),
        s.read("dataset", DatasetSpec::read),
        s.read("model", ModelSpec::read),
        s.read("lora", LoraSpec::read),
        s.read("train", TrainSpec::read),
        s.read("eval", EvalSpec::read),
        s.read("card", CardSpec::read),
        s.read("publish", PublishSpec::read));
  }
}
