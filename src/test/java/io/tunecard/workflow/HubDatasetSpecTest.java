package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code dataset.source: hub}: a Hub dataset repository instead of a path. */
class HubDatasetSpecTest {
  static final String MODEL = "model: {base: some/model}\n";

  @Test
  void aHubDatasetNamesItsRepositoryAndNoPath() {
    Workflow w =
        WorkflowLoader.parseYaml(
            "t",
            "name: demo\ndataset: {source: hub, repo: lavita/MedQuAD@refs/convert/parquet,"
                + " format: parquet}\n"
                + MODEL,
            List.of());
    assertThat(w.dataset().isHub()).isTrue();
    assertThat(w.dataset().repo()).isEqualTo("lavita/MedQuAD@refs/convert/parquet");
    assertThat(w.dataset().path()).isNull();
    assertThat(w.dataset().format()).isEqualTo("parquet");
  }

  @Test
  void mistakesNameTheKey() {
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t", "name: d\ndataset: {source: hub}\n" + MODEL, List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("dataset.repo: is required");
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t",
                    "name: d\ndataset: {source: hub, repo: a/b, path: data/x}\n" + MODEL,
                    List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("dataset.path: source 'hub' reads dataset.repo");
    assertThatThrownBy(
            () ->
                WorkflowLoader.parseYaml(
                    "t", "name: d\ndataset: {path: data/x, repo: a/b}\n" + MODEL, List.of()))
        .isInstanceOf(WorkflowException.class)
        .hasMessageContaining("dataset.repo: only with source 'hub'");
  }
}
