package io.tunecard.workflow;

import java.util.List;

/** Publishing to the Hugging Face Hub; the token comes only from the environment. */
public record PublishSpec(
    boolean enabled, String repoId, boolean privateRepo, List<GateRule> gate, String message) {

  public PublishSpec {
    gate = List.copyOf(gate);
    new Check()
        .matches("repo_id", repoId, CardSpec.REPO_ID, CardSpec.REPO_ID_TEXT)
        .present("message", message)
        .done();
  }

  static PublishSpec read(Section s) {
    return new PublishSpec(
        s.bool("enabled", false),
        s.string("repo_id", null),
        s.bool("private", false),
        s.list("gate", List.of(), GateRule::read),
        s.string("message", "Publish model card and adapter from tunecard"));
  }
}
