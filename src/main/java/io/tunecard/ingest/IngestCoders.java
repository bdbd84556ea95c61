package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;

/**
 * The coders of the rows that cross the stage's steps: derived from the records' components ({@link
 * RecordCoder}) rather than Java serialization, which costs several times more per element.
 */
final class IngestCoders {
  private IngestCoders() {}

  static void register(CoderRegistry registry) {
    registry.registerCoderForClass(DatasetRow.class, RecordCoder.of(DatasetRow.class));
    registry.registerCoderForClass(Candidate.class, RecordCoder.of(Candidate.class));
    registry.registerCoderForClass(Rejection.class, RecordCoder.of(Rejection.class));
    registry.registerCoderForClass(SourceFile.class, RecordCoder.of(SourceFile.class));
    registry.registerCoderForClass(RowRef.class, RecordCoder.of(RowRef.class));
    registry.registerCoderForClass(SplitReport.class, SerializableCoder.of(SplitReport.class));
    registry.registerCoderForClass(IngestSummary.class, SerializableCoder.of(IngestSummary.class));
  }
}
