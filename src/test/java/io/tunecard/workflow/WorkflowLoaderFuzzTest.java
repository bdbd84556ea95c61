package io.tunecard.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunecard.files.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * A workflow file and its {@code --set} overrides either load into a workflow whose settings can be
 * hashed, or are refused with a {@link BadInputException} naming what is wrong; never another
 * exception, a hang or an unbounded allocation. An input is the file's text, then optionally a line
 * {@code --set} and one override per line. Seeds: {@code WorkflowLoaderFuzzTestInputs/}.
 */
class WorkflowLoaderFuzzTest {
  private static final String SET = "\n--set\n";

  @FuzzTest(maxDuration = "30s")
  @Timeout(60)
  void anyFileAndOverridesLoadOrAreRefused(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    int cut = text.indexOf(SET);
    String yaml = cut < 0 ? text : text.substring(0, cut);
    List<String> overrides =
        cut < 0 ? List.of() : Arrays.asList(text.substring(cut + SET.length()).split("\n"));
    try {
      Workflow w = WorkflowLoader.parseYaml("fuzz.yaml", yaml, overrides);
      assertThat(w.name()).matches(Workflow.SLUG);
      assertThat(WorkflowLoader.canonicalJson(w)).contains("\"name\"");
      assertThat(w.eval().maxNewTokens()).isLessThan(ModelSpec.MAX_POSITIONS);
    } catch (BadInputException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
