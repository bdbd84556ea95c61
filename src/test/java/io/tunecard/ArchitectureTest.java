package io.tunecard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package arrows of docs/architecture.md: pipeline → {ingest, train, evaluate, card, publish};
 * train, evaluate → model; card and metrics depend on neither Beam nor DJL.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tunecard");
  }

  private static void check(ArchRule rule) {
    rule.allowEmptyShould(true).check(classes);
  }

  @Test
  void cardAndMetricsUseNeitherBeamNorDjl() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage("io.tunecard.card..", "io.tunecard.metrics..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.beam..", "ai.djl..", "org.apache.flink.."));
  }

  @Test
  void tokenizersUseNoBeamAndDjlOnlyToLoadFiles() {
    check(
        noClasses()
            .that()
            .resideInAPackage("io.tunecard.tokenize..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.apache.beam..", "org.apache.flink.."));
    check(
        noClasses()
            .that()
            .resideInAPackage("io.tunecard.tokenize..")
            .and()
            .doNotHaveSimpleName("TokenizerFiles")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("ai.djl.."));
  }

  @Test
  void onlyTrainAndEvaluateUseTheModel() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage(
                "io.tunecard.ingest..",
                "io.tunecard.card..",
                "io.tunecard.publish..",
                "io.tunecard.metrics..",
                "io.tunecard.pipeline..",
                "io.tunecard.workflow..",
                "io.tunecard.rundir..",
                "io.tunecard.files..",
                "io.tunecard.cluster..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.tunecard.model.."));
  }

  @Test
  void theModelKnowsNoStage() {
    check(
        noClasses()
            .that()
            .resideInAPackage("io.tunecard.model..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.tunecard.pipeline..",
                "io.tunecard.ingest..",
                "io.tunecard.train..",
                "io.tunecard.evaluate..",
                "io.tunecard.card..",
                "io.tunecard.publish..",
                "io.tunecard.cli..",
                "org.apache.beam.."));
  }

  @Test
  void stagesDoNotDependOnEachOtherOrOnThePipeline() {
    String[] stages = {"ingest", "train", "evaluate", "card", "publish"};
    for (String stage : stages) {
      String[] others =
          java.util.Arrays.stream(stages)
              .filter(s -> !s.equals(stage))
              .map(s -> "io.tunecard." + s + "..")
              .toArray(String[]::new);
      check(
          noClasses()
              .that()
              .resideInAPackage("io.tunecard." + stage + "..")
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(others));
      check(
          noClasses()
              .that()
              .resideInAPackage("io.tunecard." + stage + "..")
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage("io.tunecard.pipeline..", "io.tunecard.cli.."));
    }
  }

  @Test
  void sharedPackagesDependOnNoStage() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage(
                "io.tunecard.workflow..",
                "io.tunecard.rundir..",
                "io.tunecard.files..",
                "io.tunecard.metrics..",
                "io.tunecard.worker..",
                "io.tunecard.cluster..",
                "io.tunecard.hub..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.tunecard.pipeline..",
                "io.tunecard.cli..",
                "io.tunecard.ingest..",
                "io.tunecard.train..",
                "io.tunecard.evaluate..",
                "io.tunecard.card..",
                "io.tunecard.publish.."));
  }

  @Test
  void onlyJsonSchemaUsesTheSchemaLibraryAndItsJackson3() {
    check(
        noClasses()
            .that()
            .doNotBelongToAnyOf(io.tunecard.worker.JsonSchema.class)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("com.networknt..", "tools.jackson.."));
  }

  @Test
  void onlyTheCommandLineUsesTheCommandLine() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackage("io.tunecard.cli..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.tunecard.cli..", "picocli.."));
  }
}
