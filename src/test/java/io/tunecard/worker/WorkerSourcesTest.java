package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerSourcesTest {
  @TempDir Path root;

  void write(String name, String text) throws IOException {
    Path p = root.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void whatRunningOrInstallingLeavesBesideTheSourcesDoesNotCount() throws IOException {
    write("pyproject.toml", "[project]\nname = \"tunecard-worker\"\n");
    write("tunecard_worker/__init__.py", "PROTOCOL = 1\n");
    write("tunecard_worker/schemas/spec.schema.json", "{}");
    String before = WorkerSources.fingerprint(root);
    write("tunecard_worker/__pycache__/__init__.cpython-311.pyc", "bytecode");
    write("build/lib/tunecard_worker/__init__.py", "PROTOCOL = 1\n");
    write("tunecard_worker.egg-info/PKG-INFO", "Name: tunecard-worker\n");
    write(".pytest_cache/v/cache/lastfailed", "{}");
    assertThat(WorkerSources.fingerprint(root)).isEqualTo(before);
    write("tunecard_worker/schemas/spec.schema.json", "{\"type\": \"object\"}");
    String schemaChanged = WorkerSources.fingerprint(root);
    assertThat(schemaChanged).isNotEqualTo(before);
    write("pyproject.toml", "[project]\nname = \"tunecard-worker\"\nversion = \"0.2.0\"\n");
    assertThat(WorkerSources.fingerprint(root)).isNotEqualTo(schemaChanged);
  }
}
