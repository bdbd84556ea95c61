package io.tunecard.publish;

import java.util.List;

/**
 * The verdict of a publish gate.
 *
 * @param reasons why it failed, one line per failed condition (empty when it passed)
 * @param checks every condition with its figures, passed or not, and notes such as "no published
 *     card"
 */
public record GateResult(boolean passed, List<String> reasons, List<String> checks) {
  public GateResult {
    reasons = List.copyOf(reasons);
    checks = List.copyOf(checks);
    if (passed != reasons.isEmpty()) {
      throw new IllegalArgumentException("reasons: expected none exactly when the gate passed");
    }
  }
}
