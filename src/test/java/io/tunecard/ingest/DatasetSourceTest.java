package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.testing.ParquetExport;
import io.tunecard.workflow.DatasetSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetSourceTest {
  @Test
  void everySourceAWorkflowMayNameHasItsBehaviourHere() {
    assertThat(Arrays.stream(DatasetSource.values()).map(DatasetSource::key))
        .containsExactlyInAnyOrderElementsOf(DatasetSpec.SOURCES);
    for (String key : DatasetSpec.SOURCES) {
      assertThat(DatasetSource.of(key).key()).isEqualTo(key);
    }
    assertThatThrownBy(() -> DatasetSource.of("csv-folder"))
        .hasMessageContaining("source: expected one of")
        .hasMessageContaining("csv-folder");
  }

  @Test
  void onlyTheXmlReaderCleansAsItReadsAndOnlyExportsGoToParquetIo() {
    assertThat(DatasetSource.MEDQUAD_XML.cleanedByReader()).isTrue();
    assertThat(DatasetSource.HF_EXPORT.cleanedByReader()).isFalse();
    assertThat(DatasetSource.HUB.cleanedByReader()).isFalse();
  }

  @Test
  void xmlNeverListsItsInputForParquetIoWhileAnExportDoes(@TempDir Path tmp) throws IOException {
    Path missing = tmp.resolve("nowhere");
    IngestConfig xml =
        IngestConfig.of(IngestConfigs.spec(missing, "medquad-xml", 1, "none"), tmp, tmp);
    assertThat(xml.kind().parquetFiles(xml)).isEmpty(); // answered without looking at the input
    IngestConfig export =
        IngestConfig.of(IngestConfigs.spec(missing, "hf-export", 1, "none"), tmp, tmp);
    assertThatThrownBy(() -> export.kind().parquetFiles(export))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("does not exist");

    Path parquet = tmp.resolve("medquad-sample.parquet");
    ParquetExport.write(IngestStageTest.HF.resolve("medquad-sample.jsonl"), parquet);
    IngestConfig fromParquet =
        IngestConfig.of(IngestConfigs.spec(parquet, "hf-export", 1, "none"), tmp, tmp);
    assertThat(fromParquet.kind().parquetFiles(fromParquet))
        .extracting(SourceFile::name)
        .containsExactly("medquad-sample.parquet");
    Path jsonl = IngestStageTest.HF.resolve("medquad-sample.jsonl");
    IngestConfig fromJsonl =
        IngestConfig.of(IngestConfigs.spec(jsonl, "hf-export", 1, "none"), tmp, tmp);
    assertThat(fromJsonl.kind().parquetFiles(fromJsonl)).isEmpty();
  }
}
