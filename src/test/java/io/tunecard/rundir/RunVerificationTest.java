package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunVerificationTest {
  @TempDir Path tmp;

  private RunDirectory run;
  private Path adapter;

  private ManifestFile manifest(String publishedSha) throws Exception {
    run = new RunDirectory(tmp.resolve("run"));
    adapter = Files.createDirectories(run.checkpoint(150)).resolve("adapter_model.safetensors");
    Files.write(adapter, new byte[] {1, 2, 3, 4});
    Files.writeString(run.checkpoint(150).resolve("COMPLETE"), "150\n");
    Manifest m = new Manifest(run);
    m.stageFinished(
        "train", "key", Instant.now(), StageOutputs.record(run.root(), List.of(run.train())));
    m.recordAdapter(new ManifestFile.AdapterEntry("step-150", CodeVersion.ofPath(adapter)));
    m.recordPublish(
        new ManifestFile.PublishEntry(
            "published",
            null,
            "c0ffee",
            null,
            null,
            null,
            List.of(
                new ManifestFile.PublishedFile(
                    "adapter_model.safetensors",
                    4L,
                    publishedSha == null ? CodeVersion.ofPath(adapter) : publishedSha,
                    null))));
    return m.read();
  }

  @Test
  void theAdapterOnDiskMustBeTheRecordedAndThePublishedOne() throws Exception {
    ManifestFile m = manifest(null);
    assertThat(RunVerification.check(run, m)).allMatch(RunVerification.Finding::ok).hasSize(3);

    Files.write(adapter, new byte[] {9, 9, 9, 9});
    List<RunVerification.Finding> after = RunVerification.check(run, m);
    assertThat(after)
        .filteredOn(f -> !f.ok())
        .extracting(RunVerification.Finding::subject)
        .containsExactly("train", "adapter", "publish");
    assertThat(after.get(2).problems().get(0))
        .startsWith("the adapter of commit c0ffee is sha256 ")
        .contains("train/checkpoints/step-150/adapter_model.safetensors is sha256 ");
  }

  @Test
  void aPublishOfAnotherAdapterAndAnUnfinishedStageAreDifferences() throws Exception {
    manifest("ab".repeat(32));
    new Manifest(run).stageStarted("evaluate");
    List<RunVerification.Finding> found = RunVerification.check(run, new Manifest(run).read());
    assertThat(found)
        .filteredOn(f -> !f.ok())
        .extracting(RunVerification.Finding::subject)
        .containsExactly("evaluate", "publish");
    assertThat(found.get(1).problems()).containsExactly("did not finish (status running)");
  }
}
