package io.tunecard.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFileTest {
  @TempDir Path tmp;

  @Test
  void hashesMatchGitAndSha256() throws Exception {
    Path p = Files.writeString(tmp.resolve("hello.txt"), "hello\n");
    LocalFile f = LocalFile.of(p, "hello.txt");
    // `git hash-object hello.txt` and `sha256sum hello.txt` of "hello\n"
    assertThat(f.gitBlobSha1()).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
    assertThat(f.sha256())
        .isEqualTo("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    assertThat(f.size()).isEqualTo(6);
    assertThat(f.sample()).containsExactly("hello\n".getBytes());
  }

  @Test
  void theSampleIsTheFirst512Bytes() throws Exception {
    byte[] data = new byte[2000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    Path p = Files.write(tmp.resolve("b.bin"), data);
    assertThat(LocalFile.of(p, "b.bin").sample())
        .containsExactly(java.util.Arrays.copyOf(data, 512));
  }

  @Test
  void repositoryPathsMayNotEscapeOrTouchGit() {
    Path p = tmp.resolve("x");
    for (String bad : new String[] {"../x", "/x", "a/../b", ".git/config", "a//b", "a\\b", ""}) {
      assertThatThrownBy(() -> new LocalFile(bad, p, 0, "", "", new byte[0]))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
