package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docs/workflow.md's key tables are the declarations. After changing a declaration, rewrite them
 * with {@code mvn -B test -Dtest=ReferenceTest -Dtunecard.updateGoldens=true} and review the diff.
 */
class ReferenceTest {
  private static final Path DOC = Path.of("docs/workflow.md");

  @Test
  void theCommittedTablesAreTheDeclarations() throws Exception {
    String committed = Files.readString(DOC);
    String written = Reference.refresh(committed);
    if (Boolean.getBoolean("tunecard.updateGoldens")) {
      Files.writeString(DOC, written);
    }
    assertThat(committed)
        .as(DOC + " differs from the declarations; rewrite it with -Dtunecard.updateGoldens=true")
        .isEqualTo(written);
    for (Reference.Table t : Reference.TABLES) {
      assertThat(committed).as(t.label()).contains("<!-- settings: " + t.label() + " -->");
    }
  }

  @Test
  void aRowShowsTheDeclaredDefaultBoundsAndHelp() {
    assertThat(Reference.table(List.of(LoraSpec.R, LoraSpec.DROPOUT, TrainSpec.LR)))
        .contains("| `r` | `32` | 1 to 1024 | rank (")
        .contains("| `dropout` | `0.05` | [0, 0.999] | dropout on the adapter's input")
        .contains("| `lr` | `2e-4` | (0, 1] | peak learning rate |");
    assertThat(Reference.number(1e-8)).isEqualTo("1e-8");
    assertThat(Reference.number(1e6)).isEqualTo("1e6");
    assertThat(Reference.number(0.7)).isEqualTo("0.7");
  }

  @Test
  void everyDeclarationHasHelp() {
    for (Reference.Table t : Reference.TABLES) {
      for (Setting<?> s : t.settings()) {
        assertThat(s.help()).as(t.path() + "." + s.key()).isNotBlank();
      }
    }
  }

  /**
   * Every key a section reads is declared (besides the keys that hold a nested section or list), so
   * no key escapes the tables: the "allowed here" list of an unknown key is the declarations.
   */
  @Test
  void everyKeyASectionReadsIsDeclared() {
    Map<String, List<String>> nested =
        Map.of(
            "dataset", List.of("split"),
            "model", List.of("scratch", "tokenizer"),
            "eval", List.of("strategies", "bertscore"),
            "publish", List.of("gate"),
            "", List.of("dataset", "model", "lora", "train", "eval", "card", "publish"));
    for (Reference.Table t : Reference.TABLES) {
      String yaml =
          "name: demo\ndataset: {path: x}\nmodel: {base: scratch, scratch: {}, tokenizer: {}}\n"
              + "eval: {strategies: [{name: s}], bertscore: {}}\n";
      String at = t.path().isEmpty() ? "" : t.path().replace("[]", ".0") + ".";
      assertThatThrownBy(() -> WorkflowLoader.parseYaml("t.yaml", yaml, List.of(at + "zzz=1")))
          .as(t.path())
          .isInstanceOfSatisfying(
              WorkflowException.class,
              e -> {
                String problem =
                    e.problems().stream()
                        .filter(p -> p.contains("zzz: unknown key"))
                        .findFirst()
                        .orElseThrow();
                String allowed = problem.substring(problem.indexOf("allowed here: ") + 14);
                List<String> declared = new ArrayList<>();
                t.settings().forEach(s -> declared.add(s.key()));
                declared.addAll(nested.getOrDefault(t.path(), List.of()));
                assertThat(new TreeSet<>(Arrays.asList(allowed.split(", "))))
                    .isEqualTo(new TreeSet<>(declared));
              });
    }
  }
}
