package io.tunecard.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafePathsTest {
  @TempDir Path dir;

  @Test
  void resolvesPlainRelativePaths() {
    assertThat(SafePaths.inside(dir, "a/b.txt", "entry")).isEqualTo(dir.resolve("a/b.txt"));
  }

  @Test
  void refusesParentSegmentsAbsolutePathsAndSymlinks() throws Exception {
    assertThatThrownBy(() -> SafePaths.inside(dir, "../x", "zip entry"))
        .isInstanceOf(SafePaths.EscapeException.class)
        .hasMessageContaining("zip entry '../x'");
    assertThatThrownBy(() -> SafePaths.inside(dir, "a/../../x", "entry"))
        .isInstanceOf(SafePaths.EscapeException.class);
    assertThatThrownBy(() -> SafePaths.inside(dir, "/etc/passwd", "entry"))
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> SafePaths.inside(dir, "..\\x", "entry"))
        .isInstanceOf(SafePaths.EscapeException.class);
    Path outside = Files.createTempDirectory("outside");
    Files.createSymbolicLink(dir.resolve("link"), outside);
    assertThatThrownBy(() -> SafePaths.inside(dir, "link/file", "reports name"))
        .hasMessageContaining("symbolic link");
  }

  @Test
  void atomicWriteLeavesNoTemporaryFiles() throws Exception {
    Path target = dir.resolve("out/file.json");
    AtomicFiles.writeString(target, "{}");
    assertThat(target).hasContent("{}");
    try {
      AtomicFiles.write(
          target,
          out -> {
            out.write("half".getBytes());
            throw new java.io.IOException("disk full");
          });
    } catch (java.io.IOException expected) {
      assertThat(expected).hasMessage("disk full");
    }
    assertThat(target).hasContent("{}");
    try (var files = Files.list(target.getParent())) {
      assertThat(files).containsExactly(target);
    }
  }
}
