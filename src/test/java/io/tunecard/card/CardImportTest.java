package io.tunecard.card;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importers read the documented formats and name file, line and key on bad input. */
class CardImportTest {
  @TempDir Path tmp;

  @Test
  void theDataSetIdIsTheOneTheRunRead() {
    assertThat(RunDirectoryImporter.datasetId("medquad-xml", null)).isNull();
    assertThat(RunDirectoryImporter.datasetId("hf-export", null))
        .isEqualTo(RunDirectoryImporter.MEDQUAD_HUB_ID);
    assertThat(RunDirectoryImporter.datasetId("hub", "org/qa@0123abc")).isEqualTo("org/qa");
    assertThat(RunDirectoryImporter.datasetId("hub", "org/qa")).isEqualTo("org/qa");
  }

  @Test
  void runDirectoryIsReadWhole() {
    CardModel card = CardFixtures.runCard();
    assertThat(card.kind()).isEqualTo(CardModel.SourceKind.RUN_DIRECTORY);
    assertThat(card.trainingRows()).hasSize(15);
    assertThat(card.validationRows())
        .extracting(LogRow::validationLoss)
        .containsExactly(4.612384, 4.318807, 4.207315);
    assertThat(card.dataset().splitRows()).containsEntry("train", 11452L);
    assertThat(card.dataset().rejectedByReason()).containsEntry("empty_answer", 31034L);
    assertThat(card.evaluation().strategies()).hasSize(6);
    assertThat(card.evaluation().strategies().get(0).metric("rougeL").ciLow()).isEqualTo(0.122);
    assertThat(card.evaluation().base()).hasSize(6);
    assertThat(card.evaluation().evalLoss().best()).isEqualTo("step-150");
    assertThat(card.evaluation().bertscoreNote()).contains("roberta-large");
    assertThat(card.lineage().command())
        .isEqualTo("./tunecard run workflows/quickstart.yaml --set eval.limit=48");
    assertThat(card.lineage().gitCommit()).startsWith("3e5b1c9d");
    assertThat(card.environment().stageSeconds()).containsKeys("ingest", "train", "evaluate");
    assertThat(card.samples()).hasSize(3).first().satisfies(s -> assertThat(s.hitCap()).isTrue());
    assertThat(card.training().loraR()).isEqualTo(16);
  }

  @Test
  void figuresAreReadWhole() {
    CardModel card = CardModel.fromFigures(CardFixtures.figures());
    assertThat(card.trainingLog()).hasSize(46);
    assertThat(card.validationRows()).hasSize(3);
    assertThat(card.evaluation().strategies())
        .extracting(StrategyResult::name)
        .containsExactly("beam_4", "topp_0.9", "temp_1.2", "greedy", "temp_0.9", "topk_50");
    assertThat(card.evaluation().maxNewTokens()).isEqualTo(256);
    assertThat(card.evaluation().maxNewTokensImplied()).isTrue();
    assertThat(card.reported().evalLoss()).isEqualTo(0.7617);
    assertThat(card.lineage()).isNull();
    assertThat(card.environment().hardware()).isEqualTo("NVIDIA A100 40GB");
  }

  @Test
  void badCsvCellNamesFileLineAndColumn() throws IOException {
    Path dir = copyFigures();
    Files.writeString(
        dir.resolve("training_log.csv"),
        "step,epoch,training_loss,validation_loss\n100,0.07,0.9,\n200,0.14,abc,\n");
    assertThatThrownBy(() -> CardModel.fromFigures(dir))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("training_log.csv:3")
        .hasMessageContaining("column 'training_loss'")
        .hasMessageContaining("'abc'");
  }

  @Test
  void missingFilesAreNamed() throws IOException {
    assertThatThrownBy(() -> CardModel.fromFigures(tmp))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("run.json");
    Path run = tmp.resolve("run");
    copyTree(CardFixtures.runDir(), run);
    Files.delete(run.resolve("eval/metrics.json"));
    assertThatThrownBy(() -> CardModel.fromRunDirectory(run, CardFixtures.runWorkflow()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("eval/metrics.json: not found");
  }

  @Test
  void badMetricsLineIsNamed() throws IOException {
    Path run = tmp.resolve("run");
    copyTree(CardFixtures.runDir(), run);
    Files.writeString(
        run.resolve("train/metrics.jsonl"),
        "{\"step\":10,\"loss\":1.0}\n{\"step\":20,\"loss\":\"high\"}\n");
    assertThatThrownBy(() -> CardModel.fromRunDirectory(run, CardFixtures.runWorkflow()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("metrics.jsonl: row 2")
        .hasMessageContaining("loss");
  }

  @Test
  void withoutAWorkflowTheManifestMustNameOneThatExists() throws IOException {
    Path run = tmp.resolve("run");
    copyTree(CardFixtures.runDir(), run);
    Files.writeString(
        run.resolve("manifest.json"),
        "{\"workflow\":{\"name\":\"q\",\"file\":\"nowhere/q.yaml\"}}");
    assertThatThrownBy(() -> CardModel.fromRunDirectory(run, null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("nowhere/q.yaml")
        .hasMessageContaining("--workflow");
  }

  @Test
  void writesEveryFileAndNothingOnFailure() throws IOException {
    Path out = tmp.resolve("out");
    new CardRenderer().write(CardFixtures.runCard(), out, List.of(Locale.ENGLISH));
    assertThat(out.resolve("README.md")).exists();
    assertThat(out.resolve("index.html")).exists();
    assertThat(out.resolve("assets/loss.en.png")).exists();
    assertThat(out.resolve("README.es.md")).doesNotExist();
    Path out2 = tmp.resolve("out2");
    assertThatThrownBy(
            () -> new CardRenderer().write(CardFixtures.runCard(), out2, List.of(Locale.GERMAN)))
        .hasMessageContaining("card_de.properties");
    assertThat(out2).doesNotExist();
  }

  @Test
  void reportsDirRefusesNamesThatLeaveIt() {
    assertThat(CardRenderer.reportsDir(tmp, "quickstart"))
        .isEqualTo(tmp.toAbsolutePath().resolve("quickstart"));
    assertThatThrownBy(() -> CardRenderer.reportsDir(tmp, "../x"))
        .isInstanceOf(io.tunecard.files.SafePaths.EscapeException.class);
    assertThatThrownBy(() -> CardRenderer.reportsDir(tmp, "/etc"))
        .isInstanceOf(io.tunecard.files.SafePaths.EscapeException.class);
  }

  @Test
  void bothLanguagesHaveTheSameMessages() {
    Templates t = new Templates(null);
    assertThat(t.messages(Locale.ENGLISH).keys())
        .containsExactlyInAnyOrderElementsOf(t.messages(Locale.forLanguageTag("es")).keys());
  }

  private Path copyFigures() throws IOException {
    Path dir = tmp.resolve("figures");
    copyTree(CardFixtures.figures(), dir);
    return dir;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    assertThat(AtomicFiles.class).isNotNull();
  }

  // Issue 18, case 8: the reproduction command put the workflow path into bash unquoted.
  @Test
  void theReproductionCommandQuotesTheWorkflowPathForBash() throws IOException {
    Path run = tmp.resolve("run");
    copyTree(CardFixtures.runDir(), run);
    String manifest = Files.readString(run.resolve("manifest.json"));
    Files.writeString(
        run.resolve("manifest.json"),
        manifest.replace("\"workflows/quickstart.yaml\"", "\"my flows/it's $HOME;w.yaml\""));
    CardModel card = CardModel.fromRunDirectory(run, CardFixtures.runWorkflow());
    assertThat(card.lineage().command())
        .isEqualTo("./tunecard run 'my flows/it'\\''s $HOME;w.yaml' --set eval.limit=48");
  }
}
