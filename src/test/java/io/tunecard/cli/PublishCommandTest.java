package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunecard publish} end to end through {@link Main}, against the fake Hub of the publish
 * tests: dry runs, gates, the workflow found from the manifest, and the token grep.
 */
class PublishCommandTest {
  static final String TOKEN = "hf_TuNeCaRdSeCrEt0123456789abcdefXYZ";
  static final String REPO = "tunecard-test/quickstart-lora";

  @TempDir Path tmp;
  Path run;
  Path reports;
  Path workflow;
  io.tunecard.publish.FakeHubAccess hub;

  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    hub = io.tunecard.publish.FakeHubAccess.start(tmp, TOKEN);
    run = tmp.resolve("run");
    reports = tmp.resolve("reports");
    workflow = tmp.resolve("workflow.yaml");
  }

  @AfterEach
  void tearDown() {
    hub.close();
    assertThat(hub.problems()).as("requests the fake Hub found wrong").isEmpty();
  }

  Map<String, String> env(boolean withToken) {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", hub.endpoint());
    env.put("HOME", tmp.resolve("home").toString());
    if (withToken) {
      env.put("HF_TOKEN", TOKEN);
    }
    return env;
  }

  Result publish(Map<String, String> env, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("publish", "--run-dir", run.toString(), "--reports", reports.toString()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            args.toArray(String[]::new),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env);
    return new Result(code, out.toString(), err.toString());
  }

  void gate(String publishSection) throws IOException {
    String text = Files.readString(workflow);
    Files.writeString(
        workflow, text.substring(0, text.indexOf("publish:\n")) + "publish:\n" + publishSection);
  }

  @Test
  void dryRunWithoutATokenListsTheCommitByTheLocalRuleAndSendsNothing() {
    Result r = publish(env(false), "--dry-run", "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("Dry run")
        .contains("Repository: " + REPO)
        .contains("Token: none")
        .contains("Parent commit: unknown: no token")
        .contains("Upload modes decided by tunecard's local rule")
        .contains("Commit summary: Publish model card and adapter from tunecard")
        .contains("Gate: passed")
        .contains("eval_loss (step-150) = 2.31 <= max 10: ok");
    assertThat(r.out()).containsPattern("regular +\\d+  sha256:[0-9a-f]{64}  README.md\n");
    assertThat(r.out()).containsPattern("regular +\\d+  sha256:[0-9a-f]{64}  index.html\n");
    assertThat(r.out()).containsPattern("regular +\\d+  sha256:[0-9a-f]{64}  README.es.md\n");
    assertThat(r.out()).containsPattern("lfs +12777  sha256:[0-9a-f]{64}  assets/loss.png\n");
    assertThat(r.out()).containsPattern("regular +\\d+  sha256:[0-9a-f]{64}  assets/loss.svg\n");
    assertThat(r.out())
        .containsPattern("regular +\\d+  sha256:[0-9a-f]{64}  adapter_config.json\n");
    assertThat(r.out())
        .containsPattern("lfs +66584  sha256:[0-9a-f]{64}  adapter_model.safetensors\n");
    assertThat(hub.requestCount()).as("requests sent in a dry run without a token").isZero();
    assertThat(run.resolve("publish.json")).doesNotExist();
  }

  @Test
  void dryRunWithATokenAsksThePreuploadAndOnlyReads() {
    hub.seedReadme(REPO, "# an older card\n");

    Result r = publish(env(true), "--dry-run", "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("Upload modes decided by the Hub's preupload endpoint")
        .containsPattern("Parent commit: [0-9a-f]{40}")
        .containsPattern("lfs +66584  sha256:[0-9a-f]{64}  adapter_model.safetensors\n")
        .containsPattern("lfs +12777  sha256:[0-9a-f]{64}  assets/loss.png\n");
    // Reads only: revision and tree (GET) and preupload, which stores nothing.
    assertThat(hub.methodsAndPaths())
        .allMatch(s -> s.startsWith("GET ") || s.matches("POST .*/preupload/main"));
    assertThat(hub.commitCount(REPO)).isEqualTo(2); // the seeded repository's own commits
  }

  @Test
  void dryRunForARepositoryThatDoesNotExistYetUsesTheLocalRule() throws Exception {
    gate("  gate:\n    - {metric: eval_loss, beat_published: true}\n");

    Result r = publish(env(true), "--dry-run", "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("Parent commit: none: " + REPO + " does not exist yet and would be created")
        .contains("Upload modes decided by tunecard's local rule")
        .contains("beat_published passes: no published card (README.md) in " + REPO + " yet");
    assertThat(hub.methodsAndPaths()).allMatch(s -> s.startsWith("GET "));
  }

  @Test
  void dryRunWorksWithoutARepositoryAsTheQuickstartHasNone() throws Exception {
    Files.writeString(
        workflow,
        Files.readString(workflow).replace("  repo_id: tunecard-test/quickstart-lora\n", ""));

    Result r = publish(env(true), "--dry-run", "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("Repository: none named (pass --repo-id")
        .contains("Upload modes decided by tunecard's local rule")
        .containsPattern("lfs +66584  sha256:[0-9a-f]{64}  adapter_model.safetensors\n");
    assertThat(hub.requestCount()).isZero();
    Result real = publish(env(true), "--workflow", workflow.toString());
    assertThat(real.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(real.err()).contains("no repository to publish to");
  }

  @Test
  void aFailingThresholdPublishesNothingAndSaysWhy() throws Exception {
    gate("  gate:\n    - {metric: eval_loss, max: 0.75}\n    - {metric: rougeL, min: 0.3}\n");

    Result r = publish(env(true), "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isEqualTo(PublishCommand.GATE_FAILED);
    assertThat(r.out())
        .contains("Gate: FAILED, nothing was published")
        .contains("- eval_loss (step-150) = 2.31 > max 0.75")
        .contains("- rougeL [beam_4] = 0.231 < min 0.3");
    assertThat(hub.requestCount()).isZero();
    JsonNode written = Jsonl.readTree(run.resolve("publish.json"));
    assertThat(written.path("status").asText()).isEqualTo("gate_failed");
    assertThat(written.path("gate").path("passed").asBoolean()).isFalse();
    assertThat(written.path("gate").path("reasons")).hasSize(2);
  }

  @Test
  void dryRunShowsAFailingGateToo() throws Exception {
    gate("  gate:\n    - {metric: perplexity, max: 5}\n");
    Result r = publish(env(false), "--dry-run", "--workflow", workflow.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("Gate: FAILED, nothing would be published")
        .contains("perplexity (step-150) = 10.0744 > max 5");
    assertThat(hub.requestCount()).isZero();
  }

  @Test
  void beatPublishedComparesWithTheModelIndexOnTheHub() throws Exception {
    gate("  gate:\n    - {metric: eval_loss, beat_published: true}\n");
    hub.seedReadme(
        REPO,
        "---\nmodel-index:\n- name: q\n  results:\n  - task: {type: text-generation}\n"
            + "    dataset: {type: lavita/MedQuAD, name: MedQuAD}\n    metrics:\n"
            + "    - {type: eval_loss, value: 2.05}\n---\n# older\n");

    Result r = publish(env(true), "--workflow", workflow.toString());

    assertThat(r.code()).as(r.all()).isEqualTo(PublishCommand.GATE_FAILED);
    assertThat(r.out())
        .contains("eval_loss (step-150) = 2.31 does not beat published 2.05 (lower is better)");
    assertThat(hub.methodsAndPaths()).containsExactly("GET /" + REPO + "/resolve/main/README.md");

    hub.seedReadme(
        REPO,
        "---\nmodel-index:\n- name: q\n  results:\n  - task: {type: text-generation}\n"
            + "    dataset: {type: lavita/MedQuAD, name: MedQuAD}\n    metrics:\n"
            + "    - {type: eval_loss, value: 2.5}\n---\n# older\n");
    Result ok = publish(env(true), "--workflow", workflow.toString());
    assertThat(ok.code()).as(ok.all()).isZero();
    assertThat(ok.out())
        .contains("eval_loss (step-150) = 2.31 < published 2.5 (lower is better): ok")
        .contains("Committed ");
  }

  @Test
  void theWorkflowIsFoundFromTheManifestWithItsOverrides() throws Exception {
    JsonNode m = Jsonl.readTree(run.resolve("manifest.json"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) m.path("workflow"))
        .put("file", workflow.toString())
        .putArray("overrides")
        .add("publish.message=Publish from a manifest");
    Files.writeString(run.resolve("manifest.json"), Jsonl.pretty(m));

    Result r = publish(env(false), "--dry-run");

    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out()).contains("Commit summary: Publish from a manifest");
  }

  @Test
  void aMissingTokenIsBadInputAndNothingIsSent() {
    Result r = publish(env(false), "--workflow", workflow.toString());
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("no Hugging Face token: set HF_TOKEN");
    assertThat(hub.requestCount()).isZero();
  }

  @Test
  void aBadRepoIdIsBadInput() {
    Result r = publish(env(true), "--workflow", workflow.toString(), "--repo-id", "../etc");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--repo-id: expected 'owner/name'");
  }

  @Test
  void theTokenAppearsNowhereInOutputFilesOrErrors() throws Exception {
    // A full publish, with a server error on the way that echoes the token back.
    hub.failWithEcho("POST", ".*/preupload/main", 503);
    Result ok = publish(env(true), "--workflow", workflow.toString(), "--verbose");
    assertThat(ok.code()).as(ok.all()).isZero();
    assertThat(ok.out()).contains("Committed ");
    // A failure whose message quotes the server, which echoes the token, with stack traces on.
    Files.writeString(reports.resolve("README.md"), "changed\n", StandardCharsets.UTF_8);
    hub.failWithEcho("POST", ".*/commit/main", 400);
    Result failed = publish(env(true), "--workflow", workflow.toString(), "--verbose");
    assertThat(failed.code()).isEqualTo(Main.FAILURE);
    assertThat(failed.err()).contains("HTTP 400").contains("[redacted]").contains("\tat ");
    // The token file route, too.
    Path tokenFile = tmp.resolve("home/.cache/huggingface/token");
    Files.createDirectories(tokenFile.getParent());
    Files.writeString(tokenFile, TOKEN + "\n");
    Result viaFile = publish(env(false), "--workflow", workflow.toString(), "--dry-run");
    assertThat(viaFile.out()).contains("Token: found (" + tokenFile + ")");

    for (Result r : List.of(ok, failed, viaFile)) {
      assertThat(r.all()).doesNotContain(TOKEN);
    }
    List<Path> written;
    try (Stream<Path> walk = Files.walk(tmp)) {
      written = walk.filter(Files::isRegularFile).filter(p -> !p.equals(tokenFile)).toList();
    }
    assertThat(written).contains(run.resolve("publish.json"));
    for (Path p : written) {
      assertThat(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1))
          .as(p.toString())
          .doesNotContain(TOKEN);
    }
  }

  // Issue 18, case 5: a bad publish.repo_id of the workflow was reported as a bad --repo-id.
  @Test
  void aBadRepoIdInTheWorkflowIsNamedByItsKeyNotByTheOption() throws Exception {
    gate("  repo_id: \"not a repo!!\"\n");
    Result r = publish(env(true), "--dry-run", "--workflow", workflow.toString());
    assertThat(r.code()).as(r.all()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("publish.repo_id").contains("not a repo!!");
    assertThat(r.err()).doesNotContain("--repo-id");
    assertThat(hub.requestCount()).isZero();
  }
}
