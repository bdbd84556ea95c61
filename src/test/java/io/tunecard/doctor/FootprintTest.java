package io.tunecard.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.model.MistralConfig;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FootprintTest {
  /** Mistral-7B-Instruct-v0.3's config.json, the fields that size it. */
  static final MistralConfig MISTRAL_7B =
      MistralConfig.mistral(32768, 4096, 14336, 32, 32, 8, 128, 1e-5, 1e6, 32768, 1, 2, null);

  @Test
  void mistral7bAndItsRank32AdapterHaveThePublishedParameterCounts() {
    Workflow w =
        WorkflowLoader.load(Path.of("workflows/medquad-mistral7b-lora-r32.yaml"), List.of())
            .workflow();
    Footprint f = Footprint.of(MISTRAL_7B, w.lora());
    // transformers: 7,248,023,552 parameters; PEFT print_trainable_parameters for r=32 on all
    // seven projections: trainable params 83,886,080.
    assertThat(f.baseParams()).isEqualTo(7_248_023_552L);
    assertThat(f.loraParams()).isEqualTo(83_886_080L);
    assertThat(f.checkpointBytes()).isEqualTo(83_886_080L * 12); // about 0.94 GiB
    // keep_last 3, the best one, and the one being written
    assertThat(f.trainingDiskBytes(w)).isEqualTo(5 * 83_886_080L * 12);
    long nf4 = f.gpuFloorBytes("nf4");
    long bf16 = f.gpuFloorBytes("none");
    assertThat(Footprint.bytes(nf4)).isEqualTo("5.2 GiB");
    assertThat(Footprint.bytes(bf16)).isEqualTo("14.8 GiB");
  }

  @Test
  void theScratchBaseIsSizedFromItsSettings() {
    Workflow w = WorkflowLoader.load(Path.of("workflows/quickstart.yaml"), List.of()).workflow();
    MistralConfig c = Footprint.scratchConfig(w.model());
    assertThat(c.vocabSize()).isEqualTo(4096);
    assertThat(c.numHiddenLayers()).isEqualTo(4);
    Footprint f = Footprint.of(c, w.lora());
    // 5.2 M parameters, as the quickstart's comment says; r=16 on 7 projections of 4 layers
    assertThat(f.baseParams()).isBetween(5_150_000L, 5_250_000L);
    long perLayer = 16L * ((256 + 256) * 2 + (256 + 128) * 2 + (256 + 768) * 3);
    assertThat(f.loraParams()).isEqualTo(4 * perLayer);
    assertThat(f.trainingDiskBytes(w)).isEqualTo(4 * f.checkpointBytes() + f.baseParams() * 4);
  }
}
