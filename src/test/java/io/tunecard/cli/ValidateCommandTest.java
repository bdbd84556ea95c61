package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tunecard validate} makes every check a later stage makes on a workflow value. */
class ValidateCommandTest {
  @TempDir Path tmp;

  // Issue 18, case 4: the repo id was refused only at publish time, after training.
  @Test
  void aRepoIdThatPublishWouldRefuseIsRefusedByValidateNamingItsKey() throws Exception {
    Path f = tmp.resolve("w.yaml");
    Files.writeString(
        f,
        Files.readString(Path.of("workflows/quickstart.yaml"))
            + "  repo_id: \"not a repo!!\"\n"); // appended under publish:
    MainTest.Result r = MainTest.run("validate", f.toString());
    assertThat(r.code()).as(r.out()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err())
        .contains("publish.repo_id: expected 'owner/name'")
        .contains("not a repo!!")
        .doesNotContain("--repo-id");
  }

  // Issue 18, case 4: validate passed (rc 0) and ingest then failed with rc 1.
  @Test
  void aRunIdThatWouldLeaveTheRunsFolderIsRefusedByValidate() {
    MainTest.Result r =
        MainTest.run("validate", "workflows/quickstart.yaml", "--run-id", "../../../x");
    assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(r.err()).contains("--run-id").contains("../../../x").doesNotContain("\tat ");
    MainTest.Result ingest =
        MainTest.run("ingest", "workflows/quickstart.yaml", "--run-id", "../../../x");
    assertThat(ingest.code()).isEqualTo(Main.BAD_INPUT);
    assertThat(ingest.err()).contains("--run-id");
  }
}
