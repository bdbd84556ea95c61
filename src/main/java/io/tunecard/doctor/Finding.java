package io.tunecard.doctor;

/**
 * One line of the doctor's table: what was checked, its status, what was found and, when it is not
 * ok, how to fix it.
 *
 * @param check a short name ({@code torch}, {@code base model})
 * @param found what this host has, in words; never a secret
 * @param fix what to do about it; empty when there is nothing to do
 */
public record Finding(String check, Status status, String found, String fix) {

  /** How a check came out. */
  public enum Status {
    /** Present and as the run needs it. */
    OK("ok"),
    /** Usable, but outside what is tested or likely to hurt (an untested version, tight memory). */
    WARN("warn"),
    /** The run cannot proceed without it: the host is not ready. */
    MISSING("MISSING"),
    /** Not needed by this workflow. */
    SKIPPED("-");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public Finding {
    if (check == null || check.isBlank()) {
      throw new IllegalArgumentException("check: expected a name");
    }
    if (status == null) {
      throw new IllegalArgumentException("status: expected one of ok, warn, MISSING, -");
    }
    found = found == null ? "" : found;
    fix = fix == null ? "" : fix;
    if ((status == Status.MISSING || status == Status.WARN) && fix.isBlank()) {
      throw new IllegalArgumentException(check + ": a " + status.label() + " finding needs a fix");
    }
  }

  static Finding ok(String check, String found) {
    return new Finding(check, Status.OK, found, "");
  }

  static Finding warn(String check, String found, String fix) {
    return new Finding(check, Status.WARN, found, fix);
  }

  static Finding missing(String check, String found, String fix) {
    return new Finding(check, Status.MISSING, found, fix);
  }

  static Finding skipped(String check, String why) {
    return new Finding(check, Status.SKIPPED, why, "");
  }
}
