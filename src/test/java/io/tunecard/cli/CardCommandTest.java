package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CardCommandTest {
  @TempDir Path tmp;

  private int run(StringWriter err, String... args) {
    return Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
  }

  @Test
  void badLanguageIsBadInput() throws Exception {
    Path figures = Path.of(getClass().getResource("/io/tunecard/card/figures").toURI());
    StringWriter err = new StringWriter();
    int code =
        run(
            err,
            "card",
            "--figures",
            figures.toString(),
            "--out",
            tmp.resolve("o").toString(),
            "--lang",
            "es,fr");
    assertThat(code).isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString()).contains("--lang", "'fr'");
    assertThat(Files.exists(tmp.resolve("o"))).isFalse();
  }

  @Test
  void sourceIsRequiredAndExclusive() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "card", "--out", tmp.toString())).isEqualTo(Main.BAD_INPUT);
    assertThat(run(err, "card", "--figures", "a", "--run-dir", "b", "--out", tmp.toString()))
        .isEqualTo(Main.BAD_INPUT);
  }

  @Test
  void missingFiguresNameTheFile() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "card", "--figures", tmp.toString(), "--out", tmp.resolve("o").toString()))
        .isEqualTo(Main.BAD_INPUT);
    assertThat(err.toString()).contains("run.json");
  }
}
