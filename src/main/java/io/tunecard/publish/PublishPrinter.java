package io.tunecard.publish;

import io.tunecard.hub.HubAccess;
import java.io.PrintWriter;
import java.util.Locale;

/** The console side of a publish: plans, gate verdicts, progress notes and the final commit. */
final class PublishPrinter {
  private final PrintWriter out;
  private final HubAccess access;

  PublishPrinter(PrintWriter out, HubAccess access) {
    this.out = out;
    this.access = access;
  }

  /** A progress line; server text in it is already redacted, and it is redacted again here. */
  void note(String line) {
    out.println("  " + access.redact(line));
    out.flush();
  }

  void gate(GateResult g) {
    if (g.passed()) {
      out.println("Gate: passed");
    } else {
      out.println("Gate: FAILED, nothing was published. Reasons:");
      g.reasons().forEach(r -> out.println("  - " + r));
    }
    if (!g.checks().isEmpty()) {
      out.println("Gate checks:");
      g.checks().forEach(c -> out.println("  " + c));
    }
    out.flush();
  }

  void dryRun(String repoId, String summary, String description, Plan plan, GateResult g) {
    out.println("Dry run: nothing is sent to the Hub except reads.");
    out.println(
        repoId == null
            ? "Repository: none named (pass --repo-id, or set publish.repo_id or card.repo_id)"
            : "Repository: " + repoId + " at " + access.base() + " (branch main)");
    out.println(
        "Token: " + (access.token().isPresent() ? "found (" + access.tokenSource() + ")" : "none"));
    out.println("Commit summary: " + summary);
    out.println("Commit description:");
    description.lines().forEach(l -> out.println("  " + l));
    out.println("Parent commit: " + plan.parentText());
    out.println("Upload modes decided by " + plan.rule());
    long bytes = plan.entries().stream().mapToLong(e -> e.file().size()).sum();
    out.printf(Locale.ROOT, "Files in the commit (%d, %d bytes):%n", plan.entries().size(), bytes);
    files(plan);
    out.println();
    if (g.passed()) {
      gate(g);
    } else {
      out.println("Gate: FAILED, nothing would be published. Reasons:");
      g.reasons().forEach(r -> out.println("  - " + r));
      out.println("Gate checks:");
      g.checks().forEach(c -> out.println("  " + c));
    }
    out.flush();
  }

  private void files(Plan plan) {
    for (CommitPayload.Entry e : plan.entries()) {
      out.printf(
          Locale.ROOT,
          "  %-7s %12d  sha256:%s  %s%n",
          e.mode(),
          e.file().size(),
          e.file().sha256(),
          e.file().pathInRepo());
    }
    for (LocalFile f : plan.unchanged()) {
      out.printf(
          Locale.ROOT,
          "  %-7s %12d  sha256:%s  %s (already on the Hub, not in the commit)%n",
          "same",
          f.size(),
          f.sha256(),
          f.pathInRepo());
    }
    for (LocalFile f : plan.ignored()) {
      out.printf(
          Locale.ROOT,
          "  %-7s %12d  %s (the Hub ignores this path)%n",
          "ignored",
          f.size(),
          f.pathInRepo());
    }
  }

  void commitStart(String repoId, Plan plan) {
    out.printf(
        Locale.ROOT,
        "Publishing %d file(s) to %s on top of %s (modes by %s):%n",
        plan.entries().size(),
        repoId,
        plan.parentText(),
        plan.rule());
    files(plan);
    out.flush();
  }

  void committed(HubClient.Commit c) {
    out.println("Committed " + c.oid());
    out.println(c.url());
    out.flush();
  }

  void already(String head, String url) {
    out.println(
        "Already published at "
            + head
            + ": the Hub holds every file unchanged; no commit"
            + " was made.");
    out.println(url);
    out.flush();
  }
}
