package io.tunecard.workflow;

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

  public Workflow {
    Check.present("name", name);
    if (!name.matches(SLUG)) {
      throw new IllegalArgumentException("name: expected " + SLUG_TEXT + ", found '" + name + "'");
    }
    if (model != null
        && train != null
        && eval != null
        && "nf4".equals(model.quantization())
        && "bitsandbytes".equals(model.nf4Backend())
        && ("djl".equals(train.engine()) || "djl".equals(eval.engine()))) {
      throw new IllegalArgumentException(
          "model.nf4_backend: bitsandbytes quantizes in the hf engine only, but train.engine is '"
              + train.engine()
              + "' and eval.engine '"
              + eval.engine()
              + "' (the djl engine's NF4 is builtin: use nf4_backend builtin, or both engines hf)");
    }
  }

  /** The repository the card names and publishing targets: publish.repo_id, else card.repo_id. */
  public String repoId() {
    return publish.repoId() != null ? publish.repoId() : card.repoId();
  }

  static Workflow read(Section s) {
    return new Workflow(
        s.matching("name", SLUG, SLUG_TEXT),
        s.string("description", ""),
        s.read("dataset", DatasetSpec::read),
        s.read("model", ModelSpec::read),
        s.read("lora", LoraSpec::read),
        s.read("train", TrainSpec::read),
        s.read("eval", EvalSpec::read),
        s.read("card", CardSpec::read),
        s.read("publish", PublishSpec::read));
  }
}
