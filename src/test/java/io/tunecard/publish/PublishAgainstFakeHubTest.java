package io.tunecard.publish;

import static io.tunecard.publish.Fixture.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunecard.files.Jsonl;
import io.tunecard.hub.HubException;
import io.tunecard.workflow.Workflow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole publish against {@link FakeHub}: files, LFS transfers, one commit, reruns. */
class PublishAgainstFakeHubTest {
  @TempDir Path tmp;
  Fixture fx;
  FakeHub hub;
  Workflow w;

  @BeforeEach
  void setUp() throws Exception {
    fx = Fixture.copy(tmp);
    hub = new FakeHub(Fixture.TOKEN);
    w = fx.workflow();
  }

  @AfterEach
  void tearDown() {
    hub.close();
    assertThat(hub.problems).as("requests the fake Hub found wrong").isEmpty();
  }

  @Test
  void publishesEveryFileInOneCommitOnANewRepository() throws Exception {
    PublishResult r = fx.publish(hub, w, false);

    assertThat(r.status()).isEqualTo(PublishResult.Status.PUBLISHED);
    FakeHub.Repo repo = hub.repo(REPO);
    assertThat(repo.commits).hasSize(2); // the repository's initial commit, then ours
    FakeHub.CommitRecord c = repo.commits.get(1);
    assertThat(r.commitId()).isEqualTo(c.oid()).isEqualTo(repo.head());
    assertThat(r.url()).isEqualTo(hub.endpoint() + "/" + REPO + "/commit/" + c.oid());
    assertThat(c.parent()).isEqualTo(repo.commits.get(0).oid());
    assertThat(c.summary()).isEqualTo("Publish model card and adapter from tunecard");
    assertThat(c.files())
        .containsExactlyInAnyOrder(
            "README.es.md",
            "README.md",
            "adapter_config.json",
            "assets/loss.svg",
            "index.es.html",
            "index.html");
    assertThat(c.lfsFiles())
        .containsExactlyInAnyOrder("adapter_model.safetensors", "assets/loss.png");

    // Every byte arrived: regular files in the commit, LFS files in the object store.
    assertThat(repo.files.get("README.md").content()).isEqualTo(fx.bytes("reports/README.md"));
    assertThat(repo.files.get("assets/loss.svg").content())
        .isEqualTo(fx.bytes("reports/assets/loss.svg"));
    byte[] adapter = fx.bytes("run/train/checkpoints/step-150/adapter_model.safetensors");
    String adapterOid = FakeHub.sha256(adapter);
    assertThat(repo.files.get("adapter_model.safetensors").lfsOid()).isEqualTo(adapterOid);
    assertThat(hub.lfs.get(adapterOid)).isEqualTo(adapter);
    assertThat(hub.lfs.get(FakeHub.sha256(fx.bytes("reports/assets/loss.png"))))
        .isEqualTo(fx.bytes("reports/assets/loss.png"));

    // The adapter (65 KiB) went multipart in 16 KiB parts, the PNG as one basic PUT; both verified.
    assertThat(hub.count("PUT", "/part/" + adapterOid + "/\\d+")).isEqualTo(5);
    assertThat(hub.count("PUT", "/basic/.*")).isEqualTo(1);
    assertThat(hub.count("POST", "/lfs-complete/.*")).isEqualTo(1);
    assertThat(hub.count("POST", ".*/info/lfs/objects/verify")).isEqualTo(2);
    assertThat(hub.count("POST", "/api/repos/create")).isEqualTo(1);
    // The token went to the Hub's API only, never to the storage server.
    synchronized (hub.requests) {
      assertThat(hub.requests)
          .filteredOn(q -> q.server().equals("storage"))
          .allMatch(q -> q.auth() == null);
      assertThat(hub.requests)
          .filteredOn(q -> q.path().startsWith("/api/"))
          .allMatch(q -> ("Bearer " + Fixture.TOKEN).equals(q.auth()));
    }
    assertThat(fx.waits).isEmpty();

    JsonNode written = Jsonl.readTree(fx.run.resolve("publish.json"));
    assertThat(written.path("status").asText()).isEqualTo("published");
    assertThat(written.path("repo_id").asText()).isEqualTo(REPO);
    assertThat(written.path("commit_id").asText()).isEqualTo(c.oid());
    assertThat(written.path("gate").path("passed").asBoolean()).isTrue();
    assertThat(fx.console.toString()).contains("Committed " + c.oid()).contains(r.url());
  }

  @Test
  void aRerunMakesNoSecondCommit() {
    PublishResult first = fx.publish(hub, w, false);
    long requestsAfterFirst = hub.requests.size();

    PublishResult again = fx.publish(hub, w, false);

    assertThat(again.status()).isEqualTo(PublishResult.Status.ALREADY_PUBLISHED);
    assertThat(again.commitId()).isEqualTo(first.commitId());
    assertThat(hub.repo(REPO).commits).hasSize(2);
    assertThat(fx.console.toString()).contains("Already published at " + first.commitId());
    // The rerun only read: whoami, revision, tree.
    assertThat(hub.requests.subList((int) requestsAfterFirst, hub.requests.size()))
        .allMatch(q -> q.method().equals("GET"));
  }

  @Test
  void aChangedCardCommitsOnlyWhatChangedOnTopOfTheHead() throws Exception {
    fx.publish(hub, w, false);
    String head = hub.repo(REPO).head();
    Files.writeString(
        fx.reports.resolve("README.md"),
        "\nA corrected sentence.\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    long putsBefore = hub.count("PUT", ".*");

    PublishResult r = fx.publish(hub, w, false);

    FakeHub.CommitRecord c = hub.repo(REPO).commits.get(2);
    assertThat(r.status()).isEqualTo(PublishResult.Status.PUBLISHED);
    assertThat(c.parent()).isEqualTo(head);
    assertThat(c.files()).containsExactly("README.md");
    assertThat(c.lfsFiles()).isEmpty();
    assertThat(hub.count("PUT", ".*")).isEqualTo(putsBefore);
  }

  @Test
  void aTreeSpreadOverPagesIsReadWhole() {
    hub.treePage = 2;
    fx.publish(hub, w, false);
    PublishResult again = fx.publish(hub, w, false);
    assertThat(again.status()).isEqualTo(PublishResult.Status.ALREADY_PUBLISHED);
    assertThat(hub.count("GET", ".*/tree/main")).isGreaterThan(4);
  }

  @Test
  void lfsObjectsTheHubHasAreNotSentAgain() throws Exception {
    // Another repository already holds the same adapter bytes (same oid).
    fx.publish(hub, w, false);
    long puts = hub.count("PUT", ".*");
    hub.repos.remove(REPO);

    PublishResult r = fx.publish(hub, w, false);

    assertThat(r.status()).isEqualTo(PublishResult.Status.PUBLISHED);
    assertThat(hub.count("PUT", ".*")).isEqualTo(puts);
    assertThat(fx.console.toString()).contains("already stored on the Hub");
  }

  @Test
  void aConcurrentChangeFailsInsteadOfBeingOverwritten() {
    hub.moveHeadBeforeCommit();

    assertThatThrownBy(() -> fx.publish(hub, w, false))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("HTTP 412")
        .hasMessageContaining("moved while publishing");
    assertThat(hub.repo(REPO).commits)
        .extracting(FakeHub.CommitRecord::summary)
        .containsExactly("initial commit", "a concurrent change");
    assertThat(hub.count("POST", ".*/commit/main")).isEqualTo(1);
  }

  @Test
  void aCommitWhoseAnswerWasLostIsRecognisedNotRepeated() {
    hub.commitThenDrop();

    PublishResult r = fx.publish(hub, w, false);

    // The retry was refused as a stale parent; the tree showed our files: published once.
    assertThat(hub.repo(REPO).commits).hasSize(2);
    assertThat(r.status()).isEqualTo(PublishResult.Status.ALREADY_PUBLISHED);
    assertThat(r.commitId()).isEqualTo(hub.repo(REPO).head());
    assertThat(hub.count("POST", ".*/commit/main")).isEqualTo(2);
    assertThat(fx.waits).hasSize(1);
  }

  @Test
  void aPrivateRepositoryIsCreatedPrivate() throws Exception {
    Workflow priv =
        fx.workflow(
            "  enabled: true\n  private: true\n  gate:\n    - {metric: eval_loss, max: 10}\n");
    fx.publish(hub, priv, false);
    assertThat(hub.repo(REPO).privateRepo).isTrue();
  }

  @Test
  void seededRepositoriesKeepTheirOtherFiles() {
    hub.seed(REPO, Map.of("LICENSE", "Apache-2.0\n".getBytes(StandardCharsets.UTF_8)));
    fx.publish(hub, w, false);
    assertThat(hub.repo(REPO).files).containsKeys("LICENSE", "README.md", ".gitattributes");
    assertThat(hub.count("POST", "/api/repos/create")).isZero();
  }
}
