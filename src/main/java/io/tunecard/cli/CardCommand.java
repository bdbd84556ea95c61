package io.tunecard.cli;

import io.tunecard.card.CardModel;
import io.tunecard.card.CardRenderer;
import io.tunecard.card.CheckResult;
import io.tunecard.files.BadInputException;
import io.tunecard.workflow.CardSpec;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tunecard card}: renders the model card (README.md, index.html, assets/) from a run
 * directory or from a figures directory.
 */
@Command(
    name = "card",
    mixinStandardHelpOptions = true,
    description = {
      "Render the model card (README.md, index.html, assets/) from a run directory or from a"
          + " figures directory (run.json, training_log.csv, decoding_eval.csv).",
      "The first language is README.md/index.html; the others README.<lang>.md/index.<lang>.html."
    })
final class CardCommand implements Callable<Integer> {

  static final class Source {
    @Option(names = "--run-dir", paramLabel = "DIR", description = "A tunecard run directory.")
    Path runDir;

    @Option(
        names = "--figures",
        paramLabel = "DIR",
        description = "A figures directory: run.json, training_log.csv, decoding_eval.csv.")
    Path figures;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(
      names = "--lang",
      split = ",",
      paramLabel = "LANG",
      description =
          "Languages, first is README.md (default: the workflow's card.languages, else en).")
  List<String> languages;

  @Option(
      names = "--workflow",
      paramLabel = "FILE",
      description =
          "The run's workflow (hyper-parameters, card settings); default: the one manifest.json names.")
  Path workflow;

  @Option(
      names = "--templates",
      paramLabel = "DIR",
      description = "Replace the packed templates and message bundles with those in DIR.")
  Path templates;

  @Option(names = "--verbose", description = "Show stack traces.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Workflow w = workflow == null ? null : WorkflowLoader.load(workflow, List.of()).workflow();
    CardModel card =
        source.figures != null
            ? CardModel.fromFigures(source.figures)
            : CardModel.fromRunDirectory(source.runDir, w);
    List<Locale> locales = locales(w);
    var files = new CardRenderer(templates).write(card, out, locales);
    List<CheckResult> flagged = card.checks().stream().filter(c -> !c.passed()).toList();
    spec.commandLine()
        .getOut()
        .printf(
            "card: wrote %d files to %s (%s); %d of %d consistency checks flagged%n",
            files.size(),
            out,
            String.join(", ", locales.stream().map(Locale::getLanguage).toList()),
            flagged.size(),
            card.checks().size());
    return Main.OK;
  }

  private List<Locale> locales(Workflow w) {
    List<String> codes =
        languages != null && !languages.isEmpty()
            ? languages
            : w != null ? w.card().languages() : List.of("en");
    List<Locale> out = new ArrayList<>();
    for (String c : codes) {
      String code = c.trim().toLowerCase(Locale.ROOT);
      if (!CardSpec.LANGUAGES.contains(code)) {
        throw new BadInputException(
            "--lang: expected a comma-separated list of "
                + CardSpec.LANGUAGES
                + ", found '"
                + c
                + "'");
      }
      if (out.stream().anyMatch(l -> l.getLanguage().equals(code))) {
        throw new BadInputException("--lang: '" + code + "' is given twice");
      }
      out.add(Locale.forLanguageTag(code));
    }
    return out;
  }
}
