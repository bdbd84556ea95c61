package io.tunecard.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishFilesTest {
  @TempDir Path tmp;
  Fixture fx;
  RunDirectory run;

  @BeforeEach
  void setUp() throws Exception {
    fx = Fixture.copy(tmp);
    run = new RunDirectory(fx.run);
  }

  @Test
  void theCardAndTheBestAdapterAtTheRepositoryRoot() {
    var files = PublishFiles.collect(fx.reports, run, "step-150");
    assertThat(files)
        .extracting(LocalFile::pathInRepo)
        .containsExactly(
            "README.es.md",
            "README.md",
            "assets/loss.png",
            "assets/loss.svg",
            "index.es.html",
            "index.html",
            "adapter_config.json",
            "adapter_model.safetensors");
    assertThat(files.get(7).source())
        .isEqualTo(fx.run.resolve("train/checkpoints/step-150/adapter_model.safetensors"));
  }

  @Test
  void hiddenAndHalfWrittenFilesAreLeftOut() throws Exception {
    Files.writeString(fx.reports.resolve(".README.md.tmp-1234"), "half");
    Files.createDirectories(fx.reports.resolve(".cache"));
    Files.writeString(fx.reports.resolve(".cache/x"), "x");
    assertThat(PublishFiles.collect(fx.reports, run, "step-150"))
        .extracting(LocalFile::pathInRepo)
        .noneMatch(p -> p.contains(".tmp") || p.contains(".cache"));
  }

  @Test
  void anIncompleteCheckpointIsRefused() throws Exception {
    Files.delete(fx.run.resolve("train/checkpoints/step-150/COMPLETE"));
    assertThatThrownBy(() -> PublishFiles.collect(fx.reports, run, "step-150"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no COMPLETE marker");
  }

  @Test
  void aCheckpointNameThatLeavesTheRunIsRefused() {
    assertThatThrownBy(() -> PublishFiles.collect(fx.reports, run, "../../reports"))
        .hasMessageContaining("'..' is not allowed");
  }

  @Test
  void withoutACardThereIsNothingToPublish() throws Exception {
    Files.delete(fx.reports.resolve("README.md"));
    assertThatThrownBy(() -> PublishFiles.collect(fx.reports, run, "step-150"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no README.md; render the card first");
  }

  @Test
  void symbolicLinksAreRefused() throws Exception {
    Files.createSymbolicLink(
        fx.reports.resolve("assets/link.png"), fx.reports.resolve("assets/loss.png"));
    assertThatThrownBy(() -> PublishFiles.collect(fx.reports, run, "step-150"))
        .hasMessageContaining("symbolic links are not published");
  }

  @Test
  void theCardMayNotShadowTheAdapter() throws Exception {
    Files.writeString(fx.reports.resolve("adapter_config.json"), "{}");
    assertThatThrownBy(() -> PublishFiles.collect(fx.reports, run, "step-150"))
        .hasMessageContaining("may not hold adapter files");
  }
}
