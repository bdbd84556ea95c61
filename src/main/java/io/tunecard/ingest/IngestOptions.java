package io.tunecard.ingest;

import io.tunecard.workflow.WorkflowContext;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * How the ingestion stage runs, beside the workflow ({@link WorkflowContext}): what the command
 * resolved its input to, and the folder the steps write into. Every ingest step carries it with the
 * context and derives its {@link IngestConfig} where it runs.
 *
 * @param input absolute path of {@code dataset.path}, or of the Hub dataset's snapshot in the
 *     Hugging Face cache, resolved where the command runs (a relative path against its working
 *     directory, the snapshot in its cache), so a worker with another working directory reads the
 *     same files
 * @param staging the folder the steps write into; it becomes {@code dataset/} when all is written
 */
public record IngestOptions(String input, String staging) implements Serializable {
  private static final long serialVersionUID = 1L;

  public IngestOptions {
    if (input == null || staging == null) {
      throw new IllegalArgumentException("input and staging: both are required");
    }
  }

  /** The options of {@code context}'s dataset, writing into {@code staging}. */
  public static IngestOptions of(WorkflowContext context, Path staging) {
    return new IngestOptions(
        IngestConfig.inputOf(context.workflow().dataset()).toString(),
        staging.toAbsolutePath().normalize().toString());
  }
}
