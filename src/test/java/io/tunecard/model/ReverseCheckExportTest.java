package io.tunecard.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.model.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export for the PEFT check runs and is self-consistent: merged weights give the adapter's
 * logits.
 */
class ReverseCheckExportTest {
  @Test
  void mergedModelEqualsBasePlusAdapter(@TempDir Path dir) throws Exception {
    ReverseCheckExport.export(dir);
    assertThat(dir.resolve("adapter/adapter_config.json")).exists();
    assertThat(dir.resolve("merged/config.json")).exists();
    assertThat(Files.list(dir.resolve("merged")).map(p -> p.getFileName().toString()))
        .doesNotContain("adapter_config.json");
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("ours.safetensors"))) {
      double diff = Fixtures.maxAbsDiff(f.floats("logits_adapter"), f.floats("logits_merged"));
      System.out.printf("merged vs adapter logits max |diff| = %.3g%n", diff);
      assertThat(diff).isLessThanOrEqualTo(1e-4);
      assertThat(Fixtures.maxAbsDiff(f.floats("logits_adapter"), Fixtures.tensor("logits_base")))
          .isGreaterThan(1e-2);
    }
  }
}
