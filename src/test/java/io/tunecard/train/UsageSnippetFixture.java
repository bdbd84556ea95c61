package io.tunecard.train;

import io.tunecard.files.AtomicFiles;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.worker.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes the scratch base and adapter that the worker's test_card_snippet.py loads with the card's
 * usage snippet ({@code src/test/python/fixtures/scratch-run/}): {@link TinyRun}'s base, made by
 * the real pretrain command (weights, tokenizer.json and the tokenizer_config.json with its chat
 * template), and the last checkpoint of a short LoRA run of the real training stage. Run: {@code
 * java -cp target/test-classes:target/classes:CP io.tunecard.train.UsageSnippetFixture DIR}.
 */
public final class UsageSnippetFixture {
  private UsageSnippetFixture() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]).toAbsolutePath().normalize();
    Path work = Files.createTempDirectory("snippet-run");
    RunDirectory run = TinyRun.withBase(work);
    TrainingStage.train(TinyRun.workflow(), run, StageOptions.defaults());
    AtomicFiles.deleteTree(out);
    Files.createDirectories(out.resolve("base"));
    for (String f :
        List.of(
            "config.json",
            "generation_config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json")) {
      Files.copy(run.base().resolve(f), out.resolve("base").resolve(f));
    }
    Path last =
        Checkpoints.scan(run.checkpoints()).complete().stream()
            .reduce((a, b) -> b)
            .orElseThrow()
            .path();
    Files.createDirectories(out.resolve("adapter"));
    for (String f : List.of("adapter_config.json", "adapter_model.safetensors")) {
      Files.copy(
          last.resolve(f), out.resolve("adapter").resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    AtomicFiles.deleteTree(work);
  }
}
