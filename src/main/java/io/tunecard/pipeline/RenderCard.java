package io.tunecard.pipeline;

import io.tunecard.card.CardModel;
import io.tunecard.card.CardRenderer;
import io.tunecard.workflow.Workflow;
import io.tunecard.workflow.WorkflowContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/** The card stage: renders reports/&lt;name&gt;/ from the run directory, once upstream is done. */
final class RenderCard extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final WorkflowContext context;
  private final String outDir;

  RenderCard(WorkflowContext context, Path outDir) {
    this.context = context;
    this.outDir = outDir.toAbsolutePath().toString();
  }

  @Override
  public PCollection<String> expand(PCollection<String> signal) {
    return signal.apply("Render", ParDo.of(new Render(context, outDir)));
  }

  private static final class Render extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private final WorkflowContext context;
    private final String outDir;

    Render(WorkflowContext context, String outDir) {
      this.context = context;
      this.outDir = outDir;
    }

    @ProcessElement
    public void process(OutputReceiver<String> out) {
      Workflow w = context.workflow();
      List<Locale> languages = w.card().languages().stream().map(Locale::forLanguageTag).toList();
      try {
        CardRenderer.render(
            CardModel.fromRunDirectory(context.runDir(), w), Path.of(outDir), languages);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.output(outDir);
    }
  }
}
