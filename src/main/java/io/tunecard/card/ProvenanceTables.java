package io.tunecard.card;

import java.util.ArrayList;
import java.util.List;

/**
 * Where and how the run happened: hardware, stage times, versions, seeds, the git state, and the
 * samples it generated.
 */
final class ProvenanceTables extends CardWords {
  ProvenanceTables(CardModel card, Messages msg) {
    super(card, msg);
  }

  public String hardware() {
    String h = card.environment().hardware();
    return h == null ? msg.get("value.not_recorded") : MarkdownText.inline(h);
  }

  public Table timingTable() {
    List<List<String>> rows = new ArrayList<>();
    card.environment()
        .stageSeconds()
        .forEach((stage, s) -> rows.add(List.of(MarkdownText.code(stage), nums.duration(s))));
    if (!rows.isEmpty()) {
      rows.add(List.of(msg.get("env.total"), nums.duration(card.environment().totalSeconds())));
    }
    return new Table(List.of(msg.get("env.stage"), msg.get("env.time")), List.of('l', 'r'), rows);
  }

  public String shellCommand() {
    return card.lineage() == null ? "" : card.lineage().command().replaceAll("[\\r\\n]", " ");
  }

  public Table versionTable() {
    List<List<String>> rows = new ArrayList<>();
    Lineage l = card.lineage();
    if (l != null) {
      l.versions()
          .forEach((k, v) -> rows.add(List.of(MarkdownText.inline(k), MarkdownText.code(v))));
    }
    return new Table(
        List.of(msg.get("repro.component"), msg.get("repro.version")), List.of('l', 'l'), rows);
  }

  public String seeds() {
    Lineage l = card.lineage();
    if (l == null || l.seeds().isEmpty()) {
      return msg.get("value.not_recorded");
    }
    List<String> parts = new ArrayList<>();
    l.seeds().forEach((k, v) -> parts.add(MarkdownText.inline(k) + " " + v));
    return String.join(", ", parts);
  }

  public String gitState() {
    Lineage l = card.lineage();
    if (l == null || l.gitDirty() == null) {
      return "";
    }
    return msg.get(l.gitDirty() ? "repro.dirty" : "repro.clean");
  }

  public List<CardView.SampleView> samples() {
    return card.samples().stream()
        .map(
            s ->
                new CardView.SampleView(
                    s.strategy(),
                    MarkdownText.code(s.id()),
                    MarkdownText.quote(s.question()),
                    MarkdownText.quote(s.reference()),
                    MarkdownText.quote(s.prediction()),
                    s.question(),
                    s.reference(),
                    s.prediction(),
                    s.tokens() == null ? msg.get("value.not_recorded") : integer(s.tokens()),
                    s.hitCap()))
        .toList();
  }
}
