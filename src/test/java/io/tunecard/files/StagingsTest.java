package io.tunecard.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingsTest {
  @TempDir Path tmp;

  private long entries() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.count();
    }
  }

  @Test
  void aFailedStageLeavesTheOldFolderAndNoStagingBehind() throws IOException {
    Path target = tmp.resolve("dataset");
    Files.createDirectories(target);
    Files.writeString(target.resolve("train.jsonl"), "old\n");
    try (Stagings stagings = new Stagings()) {
      Path staging = stagings.beside(target);
      assertThat(staging.getParent()).isEqualTo(tmp);
      assertThat(staging.getFileName().toString()).startsWith(".dataset.tmp-");
      Files.writeString(staging.resolve("train.jsonl"), "half\n");
      // the stage fails here: nothing is published
    }
    assertThat(entries()).isEqualTo(1);
    assertThat(Files.readString(target.resolve("train.jsonl"))).isEqualTo("old\n");
  }

  @Test
  void aPublishedStagingIsGoneAndClosingStillSucceeds() throws IOException {
    Path target = tmp.resolve("eval");
    try (Stagings stagings = new Stagings()) {
      Path staging = stagings.beside(target);
      Path other = stagings.beside(tmp.resolve("dataset"));
      Files.writeString(staging.resolve("metrics.json"), "{}");
      AtomicFiles.publish(staging, target);
      assertThat(other).isDirectory();
    }
    assertThat(entries()).isEqualTo(1);
    assertThat(Files.readString(target.resolve("metrics.json"))).isEqualTo("{}");
  }
}
