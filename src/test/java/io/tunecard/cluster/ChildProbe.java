package io.tunecard.cluster;

/** A worker child for {@link WorkerChildTest}: proves it started with tunecard's classes. */
public final class ChildProbe {
  private ChildProbe() {}

  public static void main(String[] args) {
    System.out.println(
        "probe " + String.join(" ", args) + " home=" + System.getProperty("tunecard.home"));
  }
}
