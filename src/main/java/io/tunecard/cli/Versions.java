package io.tunecard.cli;

import picocli.CommandLine.IVersionProvider;

/** Prints tunecard's version and the versions of the libraries it runs on. */
public final class Versions implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
      "tunecard " + implementationVersion(Main.class), "Java " + System.getProperty("java.version"),
    };
  }

  static String implementationVersion(Class<?> type) {
    String v = type.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
