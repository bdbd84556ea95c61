package io.tunecard.ingest;

import io.tunecard.rundir.DatasetRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * Compact, deterministic coders for the rows that cross the stage's steps: field by field with
 * Beam's string and number coders rather than Java serialization, which costs several times more
 * per element.
 */
final class IngestCoders {
  private IngestCoders() {}

  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<String> OPTIONAL = NullableCoder.of(STRING);
  private static final VarLongCoder LONG = VarLongCoder.of();

  static void register(CoderRegistry registry) {
    registry.registerCoderForClass(DatasetRow.class, new RowCoder());
    registry.registerCoderForClass(Candidate.class, new CandidateCoder());
    registry.registerCoderForClass(Rejection.class, new RejectionCoder());
    registry.registerCoderForClass(SourceFile.class, new SourceFileCoder());
    registry.registerCoderForClass(RowRef.class, new RowRefCoder());
    registry.registerCoderForClass(SplitReport.class, SerializableCoder.of(SplitReport.class));
    registry.registerCoderForClass(IngestSummary.class, SerializableCoder.of(IngestSummary.class));
  }

  static final class RowCoder extends CustomCoder<DatasetRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(DatasetRow r, OutputStream out) throws IOException {
      STRING.encode(r.id(), out);
      OPTIONAL.encode(r.source(), out);
      OPTIONAL.encode(r.focus(), out);
      OPTIONAL.encode(r.questionType(), out);
      STRING.encode(r.question(), out);
      STRING.encode(r.answer(), out);
      OPTIONAL.encode(r.url(), out);
      OPTIONAL.encode(r.umlsCui(), out);
      OPTIONAL.encode(r.semanticGroup(), out);
    }

    @Override
    public DatasetRow decode(InputStream in) throws IOException {
      return new DatasetRow(
          STRING.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in),
          STRING.decode(in),
          STRING.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in),
          OPTIONAL.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class CandidateCoder extends CustomCoder<Candidate> {
    private static final long serialVersionUID = 1L;
    private static final RowCoder ROW = new RowCoder();

    @Override
    public void encode(Candidate c, OutputStream out) throws IOException {
      STRING.encode(c.file(), out);
      LONG.encode(c.ordinal(), out);
      STRING.encode(c.position(), out);
      ROW.encode(c.row(), out);
    }

    @Override
    public Candidate decode(InputStream in) throws IOException {
      return new Candidate(STRING.decode(in), LONG.decode(in), STRING.decode(in), ROW.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class RejectionCoder extends CustomCoder<Rejection> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(Rejection r, OutputStream out) throws IOException {
      STRING.encode(r.file(), out);
      LONG.encode(r.ordinal(), out);
      STRING.encode(r.position(), out);
      OPTIONAL.encode(r.id(), out);
      STRING.encode(r.reason(), out);
      STRING.encode(r.detail(), out);
    }

    @Override
    public Rejection decode(InputStream in) throws IOException {
      return new Rejection(
          STRING.decode(in),
          LONG.decode(in),
          STRING.decode(in),
          OPTIONAL.decode(in),
          STRING.decode(in),
          STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class RowRefCoder extends CustomCoder<RowRef> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(RowRef r, OutputStream out) throws IOException {
      STRING.encode(r.contentKey(), out);
      STRING.encode(r.id(), out);
      STRING.encode(r.file(), out);
      LONG.encode(r.ordinal(), out);
      STRING.encode(r.position(), out);
    }

    @Override
    public RowRef decode(InputStream in) throws IOException {
      return new RowRef(
          STRING.decode(in),
          STRING.decode(in),
          STRING.decode(in),
          LONG.decode(in),
          STRING.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  static final class SourceFileCoder extends CustomCoder<SourceFile> {
    private static final long serialVersionUID = 1L;

    @Override
    public void encode(SourceFile f, OutputStream out) throws IOException {
      OPTIONAL.encode(f.archive(), out);
      STRING.encode(f.path(), out);
      STRING.encode(f.name(), out);
      LONG.encode(f.size(), out);
    }

    @Override
    public SourceFile decode(InputStream in) throws IOException {
      return new SourceFile(
          OPTIONAL.decode(in), STRING.decode(in), STRING.decode(in), LONG.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
