package io.tunecard.worker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The worker protocol is shared by both engines and stages: no Beam, no DJL, no stage. */
class WorkerArchitectureTest {
  @Test
  void theWorkerPackageUsesNeitherBeamNorDjlNorAnyStage() {
    noClasses()
        .that()
        .resideInAPackage("io.tunecard.worker..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.beam..",
            "org.apache.flink..",
            "ai.djl..",
            "io.tunecard.model..",
            "io.tunecard.train..",
            "io.tunecard.evaluate..",
            "io.tunecard.pipeline..",
            "io.tunecard.cli..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tunecard.worker"));
  }
}
