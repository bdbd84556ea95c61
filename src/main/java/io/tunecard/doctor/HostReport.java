package io.tunecard.doctor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.util.List;

/**
 * Everything the doctor found, in check order, rendered as a table for people and as JSON for
 * scripts. The host is ready when nothing is {@link Finding.Status#MISSING}.
 *
 * @param workflow the workflow file checked against, null for the host alone
 * @param name the workflow's name, null for the host alone
 */
public record HostReport(String workflow, String name, List<Finding> findings) {
  public HostReport {
    findings = List.copyOf(findings);
  }

  public boolean ready() {
    return missing().isEmpty();
  }

  public List<Finding> missing() {
    return findings.stream().filter(f -> f.status() == Finding.Status.MISSING).toList();
  }

  /** The table, then one line per missing thing with its fix (or a line saying it is ready). */
  public String table() {
    int check = "CHECK".length();
    int status = "STATUS".length();
    for (Finding f : findings) {
      check = Math.max(check, f.check().length());
      status = Math.max(status, f.status().label().length());
    }
    String row = "%-" + check + "s  %-" + status + "s  %s%n";
    StringBuilder b = new StringBuilder();
    b.append(
        workflow == null
            ? "tunecard doctor: this host for the hf engine (no workflow given)\n"
            : "tunecard doctor: this host for " + workflow + " (" + name + ")\n");
    b.append(String.format(java.util.Locale.ROOT, row, "CHECK", "STATUS", "FOUND"));
    for (Finding f : findings) {
      b.append(String.format(java.util.Locale.ROOT, row, f.check(), f.status().label(), f.found()));
    }
    List<Finding> warnings =
        findings.stream().filter(f -> f.status() == Finding.Status.WARN).toList();
    if (ready()) {
      b.append("ready")
          .append(warnings.isEmpty() ? "" : " (" + warnings.size() + " warning(s) below)")
          .append('\n');
    } else {
      List<Finding> missing = missing();
      b.append("not ready: ").append(missing.size()).append(" thing(s) missing\n");
      for (Finding f : missing) {
        b.append("  ").append(f.check()).append(": ").append(f.fix()).append('\n');
      }
    }
    for (Finding f : warnings) {
      b.append("  warning, ").append(f.check()).append(": ").append(f.fix()).append('\n');
    }
    return b.toString();
  }

  public String json() {
    ObjectNode root = Jsonl.MAPPER.createObjectNode();
    root.put("workflow", workflow);
    root.put("name", name);
    root.put("ready", ready());
    ArrayNode checks = root.putArray("checks");
    for (Finding f : findings) {
      ObjectNode c = checks.addObject();
      c.put("check", f.check());
      c.put("status", f.status().name().toLowerCase(java.util.Locale.ROOT));
      c.put("found", f.found());
      c.put("fix", f.fix());
    }
    return Jsonl.pretty(root);
  }
}
