package io.tunecard.publish;

import static io.tunecard.publish.UploadModes.Mode.LFS;
import static io.tunecard.publish.UploadModes.Mode.REGULAR;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UploadModesTest {
  static final byte[] TEXT = "# card\nhello\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void textFilesAreRegularBinaryExtensionsAreLfs() {
    assertThat(UploadModes.local("README.md", 2000, TEXT)).isEqualTo(REGULAR);
    assertThat(UploadModes.local("index.es.html", 2000, TEXT)).isEqualTo(REGULAR);
    assertThat(UploadModes.local("assets/loss.svg", 2000, TEXT)).isEqualTo(REGULAR);
    assertThat(UploadModes.local("adapter_config.json", 400, TEXT)).isEqualTo(REGULAR);
    assertThat(UploadModes.local("adapter_model.safetensors", 400, TEXT)).isEqualTo(LFS);
    assertThat(UploadModes.local("assets/Loss.PNG", 400, TEXT)).isEqualTo(LFS);
    assertThat(UploadModes.local("pytorch_model.bin", 400, TEXT)).isEqualTo(LFS);
    assertThat(UploadModes.local("runs/events.out.tfevents.123", 400, TEXT)).isEqualTo(LFS);
  }

  @Test
  void tenMebibytesIsTheSizeLimitOfRegularFiles() {
    assertThat(UploadModes.local("big.txt", UploadModes.LFS_SIZE - 1, TEXT)).isEqualTo(REGULAR);
    assertThat(UploadModes.local("big.txt", UploadModes.LFS_SIZE, TEXT)).isEqualTo(LFS);
  }

  @Test
  void binaryContentIsLfsWhateverTheName() {
    assertThat(UploadModes.local("data.dat", 10, new byte[] {1, 2, 0, 4})).isEqualTo(LFS);
    assertThat(UploadModes.local("latin1.txt", 3, new byte[] {'a', (byte) 0xe9, 'b'}))
        .isEqualTo(LFS);
  }

  @Test
  void aSampleCutInsideAUtf8CharacterIsStillText() {
    byte[] s = "pérdida".getBytes(StandardCharsets.UTF_8);
    byte[] cut = java.util.Arrays.copyOf(s, 2); // 'p' and the first byte of 'é'
    assertThat(UploadModes.local("README.es.md", 5000, cut)).isEqualTo(REGULAR);
  }

  @Test
  void emptyFilesAreRegular() {
    assertThat(UploadModes.local("empty.safetensors", 0, new byte[0])).isEqualTo(REGULAR);
  }
}
