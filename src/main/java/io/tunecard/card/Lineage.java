package io.tunecard.card;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to reproduce the run, from {@code manifest.json}.
 *
 * @param command the exact command that reproduces the run
 * @param gitDirty true when the working tree had uncommitted changes; null when unknown
 * @param versions library and runtime versions, e.g. java, beam, djl
 * @param seeds seeds per stage
 */
public record Lineage(
    String command,
    String tunecardVersion,
    String workflowName,
    String workflowFile,
    String workflowSha256,
    List<String> overrides,
    String gitCommit,
    Boolean gitDirty,
    Map<String, String> versions,
    Map<String, Long> seeds,
    String adapterCheckpoint,
    String adapterSha256) {

  public Lineage {
    Objects.requireNonNull(command, "command");
    overrides = List.copyOf(overrides);
    versions = Collections.unmodifiableMap(new LinkedHashMap<>(versions));
    seeds = Collections.unmodifiableMap(new LinkedHashMap<>(seeds));
  }
}
