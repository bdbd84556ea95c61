package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.rundir.DatasetRow;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class RecordCoderTest {
  private static final DatasetRow ROW =
      new DatasetRow(
          "GHR_0000708-1",
          "GHR",
          "myostatin-related muscle hypertrophy",
          "information",
          "What is (are) myostatin-related muscle hypertrophy ?",
          "Myostatin-related muscle hypertrophy is a rare condition … ü",
          null,
          null,
          null);

  @Test
  void rowsWithNestedRecordsAndNullsRoundTripDeterministically() throws Exception {
    RecordCoder<Candidate> coder = RecordCoder.of(Candidate.class);
    Candidate c = new Candidate("GHR/0000708.xml", 3, "line 12", ROW);
    CoderProperties.coderDecodeEncodeEqual(coder, c);
    CoderProperties.coderDeterministic(
        coder, c, new Candidate("GHR/0000708.xml", 3, "line 12", ROW));
    coder.verifyDeterministic();
    Rejection r = new Rejection("a.xml", 7, "line 1", null, "empty_answer", "no answer text");
    CoderProperties.coderDecodeEncodeEqual(RecordCoder.of(Rejection.class), r);
    CoderProperties.coderDecodeEncodeEqual(
        RecordCoder.of(SourceFile.class), new SourceFile(null, "MedQuAD/a.xml", "a.xml", 1234L));
  }

  @Test
  void theCoderSurvivesJavaSerializationAsARunnerShipsIt() throws Exception {
    RecordCoder<RowRef> coder = RecordCoder.of(RowRef.class);
    RowRef ref = new RowRef("key", "id-1", "f.xml", 2, "line 3");
    @SuppressWarnings("unchecked")
    RecordCoder<RowRef> shipped = (RecordCoder<RowRef>) SerializableUtils.clone(coder);
    assertThat(shipped).isEqualTo(coder);
    assertThat(CoderUtils.decodeFromByteArray(shipped, CoderUtils.encodeToByteArray(coder, ref)))
        .isEqualTo(ref);
  }

  @Test
  void aComponentWithoutACoderIsRefusedWhenTheCoderIsMade() {
    record Bag(String name, List<String> items) {}
    assertThatThrownBy(() -> RecordCoder.of(Bag.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Bag.items: a List has no derived coder (expected a string, number, boolean or record)");
  }

  record Named(String name) {
    Named {
      if (name == null) {
        throw new IllegalArgumentException("name: missing");
      }
    }
  }

  @Test
  void aDecodedRecordTheConstructorRefusesIsACoderError() {
    byte[] nullName = {0}; // NullableCoder's marker for null, then nothing
    assertThatThrownBy(() -> CoderUtils.decodeFromByteArray(RecordCoder.of(Named.class), nullName))
        .isInstanceOf(CoderException.class)
        .hasMessage("decoded Named is invalid: name: missing");
  }
}
