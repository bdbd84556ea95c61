package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.workflow.DatasetSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

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
}
