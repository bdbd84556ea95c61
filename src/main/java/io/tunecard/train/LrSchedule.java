package io.tunecard.train;

import java.util.List;

/**
 * transformers' {@code get_{cosine,linear,constant}_schedule_with_warmup}, step for step: the lr of
 * optimizer step {@code s} (0-based) is {@code lr × f(s)} with {@code f(s) = s / warmup} during
 * warm-up (so the first step has lr 0), then cosine or linear decay to 0, or constant. Warm-up
 * steps are {@code ceil(warmup_ratio × total)}.
 */
record LrSchedule(String kind, double lr, int warmup, int total) {
  static final List<String> KINDS = List.of("cosine", "linear", "constant");

  LrSchedule {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("schedule: expected one of " + KINDS + ", found " + kind);
    }
  }

  static LrSchedule of(String kind, double lr, double warmupRatio, int total) {
    return new LrSchedule(kind, lr, (int) Math.ceil(warmupRatio * total), total);
  }

  double at(int step) {
    return lr * factor(step);
  }

  double factor(int step) {
    if (step < warmup) {
      return (double) step / Math.max(1, warmup);
    }
    if (kind.equals("constant")) {
      return 1.0;
    }
    double progress = (double) (step - warmup) / Math.max(1, total - warmup);
    if (kind.equals("linear")) {
      return Math.max(0.0, 1.0 - progress);
    }
    return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
  }
}
