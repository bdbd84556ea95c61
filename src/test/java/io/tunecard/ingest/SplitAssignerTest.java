package io.tunecard.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunecard.rundir.DatasetRow;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitAssignerTest {
  static DatasetRow row(String id, String focus) {
    return new DatasetRow(id, "GHR", focus, "information", "Q?", "A", null, null, null);
  }

  @Test
  void fractionsHoldOverManyIds() {
    SplitAssigner a = new SplitAssigner(0.70, 0.15, 42, false);
    Map<String, Integer> n = new HashMap<>();
    int total = 100_000;
    for (int i = 0; i < total; i++) {
      n.merge(a.split(row("GHR_" + i + "-1", "f" + i)), 1, Integer::sum);
    }
    assertThat(n.get("train") / (double) total).isCloseTo(0.70, within(0.005));
    assertThat(n.get("validation") / (double) total).isCloseTo(0.15, within(0.005));
    assertThat(n.get("test") / (double) total).isCloseTo(0.15, within(0.005));
  }

  @Test
  void aRowsSplitDependsOnTheSeedAndItsIdAlone() {
    SplitAssigner a = new SplitAssigner(0.70, 0.15, 42, false);
    SplitAssigner again = new SplitAssigner(0.70, 0.15, 42, false);
    SplitAssigner otherSeed = new SplitAssigner(0.70, 0.15, 7, false);
    int moved = 0;
    for (int i = 0; i < 1000; i++) {
      DatasetRow r = row("GARD_" + i + "-1", "same focus");
      assertThat(again.split(r)).isEqualTo(a.split(r));
      assertThat(a.split(row(r.id(), "another focus"))).isEqualTo(a.split(r));
      moved += otherSeed.split(r).equals(a.split(r)) ? 0 : 1;
    }
    assertThat(moved).isGreaterThan(300);
  }

  @Test
  void knownValuesPinTheHash() {
    // Pinned (computed independently: the first 8 bytes of SHA-256("42:id:GHR_0000001-1"), top
    // 53 bits, times 2^-53) so that a change of hash, which would move every row, cannot pass.
    assertThat(SplitAssigner.unit(42, "id:GHR_0000001-1")).isEqualTo(0.5991492657266811);
    assertThat(SplitAssigner.unit(42, "focus:gout")).isEqualTo(0.5486636023366526);
    assertThat(new SplitAssigner(0.70, 0.15, 42, false).key(row("X_1", "F"))).isEqualTo("id:X_1");
    assertThat(new SplitAssigner(0.70, 0.15, 42, true).key(row("X_1", "Gout (Disease)")))
        .isEqualTo("focus:goutdisease");
  }

  @Test
  void groupByFocusKeepsSpellingsOfOneFocusTogether() {
    SplitAssigner a = new SplitAssigner(0.70, 0.15, 42, true);
    String split = a.split(row("GHR_1-1", "Alzheimer's Disease"));
    for (int i = 0; i < 200; i++) {
      assertThat(a.split(row("GARD_" + i + "-1", "alzheimers disease"))).isEqualTo(split);
    }
    assertThat(a.split(row("X_1", null)))
        .isEqualTo(new SplitAssigner(0.7, 0.15, 42, false).split(row("X_1", null)));
  }
}
