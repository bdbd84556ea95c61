package io.tunecard.workflow;

import java.util.List;

/** Publishing to the Hugging Face Hub; the token comes only from the environment. */
public record PublishSpec(
    boolean enabled, String repoId, boolean privateRepo, List<GateRule> gate, String message) {

  public static final Setting<Boolean> ENABLED =
      Setting.flag("enabled", false)
          .help("`tunecard run` publishes after the card when the gate passes");
  public static final Setting<String> REPO_ID =
      Setting.text("repo_id", null).help("target repository, `owner/name`").shown("`card.repo_id`");
  public static final Setting<Boolean> PRIVATE =
      Setting.flag("private", false).help("create the repository as private");
  public static final Setting<String> MESSAGE =
      Setting.text("message", "Publish model card and adapter from tunecard")
          .help("the commit summary");

  /** This section's scalar keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS = List.of(ENABLED, REPO_ID, PRIVATE, MESSAGE);

  public PublishSpec {
    gate = List.copyOf(gate);
    new Check()
        .matches("repo_id", repoId, CardSpec.REPO_ID, CardSpec.REPO_ID_TEXT)
        .present("message", message)
        .done();
  }

  static PublishSpec read(Section s) {
    return new PublishSpec(
        ENABLED.read(s),
        REPO_ID.read(s),
        PRIVATE.read(s),
        s.list("gate", List.of(), GateRule::read),
        MESSAGE.read(s));
  }
}
