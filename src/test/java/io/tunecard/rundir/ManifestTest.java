package io.tunecard.rundir;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  @TempDir Path dir;

  @Test
  void concurrentStageRecordsAreAllKept() throws Exception {
    Manifest m = new Manifest(new RunDirectory(dir));
    var pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 20; i++) {
      int n = i;
      pool.submit(
          () ->
              m.stageFinished(
                  "s" + n,
                  "h" + n,
                  Instant.now(),
                  Map.of("f" + n, new ManifestFile.Output((long) n, 0L, "x"))));
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(m.read().stages()).hasSize(20);
    assertThat(m.stage("s7").hash()).isEqualTo("h7");
    assertThat(m.stage("s7").outputs().get("f7").size()).isEqualTo(7L);
    m.clearStage("s7");
    assertThat(m.stage("s7")).isNull();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("manifest.json", ".manifest.lock");
    }
  }

  @Test
  void codeVersionChangesWithThePackagesItCovers() {
    String rundir = CodeVersion.of(List.of("io.tunecard.rundir"));
    String workflow = CodeVersion.of(List.of("io.tunecard.workflow"));
    assertThat(rundir).hasSize(64).isNotEqualTo(workflow);
    assertThat(CodeVersion.of(List.of("io.tunecard.rundir"))).isEqualTo(rundir);
  }

  @Test
  void pathHashCoversNamesAndContents() throws Exception {
    Files.writeString(dir.resolve("a.txt"), "x");
    String one = CodeVersion.ofPath(dir);
    Files.writeString(dir.resolve("a.txt"), "y");
    assertThat(CodeVersion.ofPath(dir)).isNotEqualTo(one);
  }

  @Test
  void lineageKnowsVersionsAndGit() {
    assertThat(Lineage.versions()).containsKeys("java", "beam", "djl");
    Lineage.Git git = Lineage.git(Path.of("."));
    if (git != null) {
      assertThat(git.commit()).hasSize(40);
    }
  }
}
