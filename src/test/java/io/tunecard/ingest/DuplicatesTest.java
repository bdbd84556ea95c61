package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DuplicatesTest {
  static RowRef ref(String content, String id, String file, long ordinal) {
    return new RowRef(content, id, file, ordinal, "QAPair pid=" + (ordinal + 1));
  }

  @Test
  void exactDuplicatesKeepTheSmallestId() {
    List<Rejection> r =
        Duplicates.find(
            List.of(
                ref("k1", "NIDDK_0000153-9", "5/a.xml", 8),
                ref("k1", "NIDDK_0000153-10", "5/a.xml", 9),
                ref("k2", "GHR_1-1", "3/b.xml", 0)),
            true);
    assertThat(r)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.id()).isEqualTo("NIDDK_0000153-9");
              assertThat(x.reason()).isEqualTo(Rejection.DUPLICATE);
              assertThat(x.detail()).contains("NIDDK_0000153-10");
            });
  }

  @Test
  void aTakenIdKeepsTheRowReadFirst() {
    List<Rejection> r =
        Duplicates.find(
            List.of(ref("k1", "X_1-1", "b.xml", 0), ref("k2", "X_1-1", "a.xml", 3)), true);
    assertThat(r)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.file()).isEqualTo("b.xml");
              assertThat(x.reason()).isEqualTo(Rejection.DUPLICATE_ID);
              assertThat(x.detail()).contains("a.xml");
            });
  }

  @Test
  void theDecisionDoesNotDependOnTheOrderRowsArriveIn() {
    List<RowRef> rows =
        List.of(
            ref("k1", "A_1", "f1", 0),
            ref("k1", "A_0", "f2", 0),
            ref("k2", "A_1", "f3", 1),
            ref("k3", "B_2", "f4", 2));
    List<Rejection> forward = Duplicates.find(rows, true);
    List<RowRef> reversed = new java.util.ArrayList<>(rows);
    java.util.Collections.reverse(reversed);
    List<Rejection> backward = Duplicates.find(reversed, true);
    assertThat(backward).isEqualTo(forward);
    assertThat(forward).extracting(Rejection::file).containsExactly("f1");
  }

  @Test
  void withoutContentDedupeOnlyIdsMustBeUnique() {
    List<RowRef> rows = List.of(ref("k1", "A_1", "f1", 0), ref("k1", "A_2", "f2", 0));
    assertThat(Duplicates.find(rows, false)).isEmpty();
    assertThat(Duplicates.find(rows, true)).hasSize(1);
  }
}
