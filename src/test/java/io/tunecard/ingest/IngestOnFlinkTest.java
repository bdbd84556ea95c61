package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.pipeline.Runners;
import io.tunecard.rundir.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same stage on Flink embedded ({@code [local]}, batch) writes what the DirectRunner writes.
 */
class IngestOnFlinkTest {
  @TempDir Path tmp;

  @Test
  void flinkWritesTheDirectRunnersFilesByteForByte() throws IOException {
    var spec = IngestStageTest.spec(IngestStageTest.FIXTURE, "medquad-xml", 1, "none");
    IngestSummary direct =
        IngestStage.run(
            IngestConfigs.context(spec, new RunDirectory(tmp.resolve("direct"))),
            Runners.beamOrLocal(Runners.Kind.DIRECT, null, 2),
            Runners.workers(2));
    IngestSummary flink =
        IngestStage.run(
            IngestConfigs.context(spec, new RunDirectory(tmp.resolve("flink"))),
            Runners.beamOrLocal(Runners.Kind.FLINK, Runners.LOCAL, 2),
            Runners.workers(2));
    assertThat(flink).isEqualTo(direct);
    IngestStageTest.assertSameFiles(
        tmp.resolve("direct/dataset"), tmp.resolve("flink/dataset"), IngestStageTest.FILES);
  }

  @Test
  void aStepsBadInputReachesTheCallerFromFlink() {
    var spec = IngestStageTest.spec(IngestStageTest.FIXTURE, "medquad-xml", 10_000, "none");
    assertThatThrownBy(
            () ->
                IngestStage.run(
                    IngestConfigs.context(spec, new RunDirectory(tmp.resolve("run"))),
                    Runners.beamOrLocal(Runners.Kind.FLINK, null, 2),
                    Runners.workers(2)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("only 36 usable rows");
  }
}
