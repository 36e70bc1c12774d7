// `arbiter audit report` as one self-contained HTML page: inline CSS and inline SVG, no
// script and no URL outside the page (it is read offline, attached to an audit file). Every
// recorded string is attacker-controlled (a subject id, a reason, an evidence author) and goes
// through Html(); the figures carry data-* attributes a test (or a scraper) reads.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "audit/report.h"

namespace arbiter::audit {
namespace {

std::string Html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A fragment id part: ASCII letters and digits kept, '-' '.' '_' kept, everything else
// percent-encoded, so any recorded id makes a valid, distinct anchor.
std::string FragmentPart(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// A readable slug for a control; `taken` keeps them distinct.
std::string ControlSlug(std::string_view name, std::set<std::string>* taken) {
  std::string slug;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      slug += static_cast<char>(std::tolower(c));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "none";
  std::string unique = slug;
  for (int n = 2; taken->count(unique); ++n) unique = slug + "-" + std::to_string(n);
  taken->insert(unique);
  return unique;
}

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "–";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

constexpr std::string_view kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}
.meta{color:#596273}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px}
th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#14632b;font-weight:600}.bad{color:#a31515;font-weight:600}.warn{color:#8a5a00;font-weight:600}
.allow{color:#14632b}.deny{color:#a31515}.fail_closed{color:#7a2aa0}
.key{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.box{background:#fff;border:1px solid #dde1e7;padding:10px 14px;margin:8px 0}
.chart{background:#fff;border:1px solid #dde1e7;margin:6px 0 14px;padding:6px}
.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
ul.ev{margin:0;padding-left:16px}
code{font-family:ui-monospace,monospace;font-size:12px}
)";

constexpr std::string_view kAllowColor = "#2e8b57";
constexpr std::string_view kDenyColor = "#c0392b";
constexpr std::string_view kFailColor = "#8e44ad";

// Stacked bars of decisions per day (allow, deny, fail closed), one chart per control.
std::string DayChart(const ControlFigures& c) {
  constexpr int kWidth = 1100, kHeight = 120, kLeft = 44, kBottom = 22;
  uint64_t peak = 1;
  for (const auto& [day, counts] : c.per_day) peak = std::max(peak, counts.total());
  const int n = static_cast<int>(c.per_day.size());
  const double slot = n == 0 ? 0 : static_cast<double>(kWidth - kLeft - 4) / n;
  const double bar = std::max(1.0, slot * 0.8);
  const double plot = kHeight - kBottom - 6;
  std::string svg = fmt::format(
      "<svg role=\"img\" width=\"100%\" viewBox=\"0 0 {} {}\" aria-label=\"decisions per day for "
      "{}\" data-chart-control=\"{}\">",
      kWidth, kHeight, Html(c.name), Html(c.name));
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"6\" x2=\"{0}\" y2=\"{1}\" stroke=\"#888\"/>"
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#888\"/>"
      "<text x=\"{3}\" y=\"14\" font-size=\"11\" text-anchor=\"end\">{4}</text>"
      "<text x=\"{3}\" y=\"{1}\" font-size=\"11\" text-anchor=\"end\">0</text>",
      kLeft, kHeight - kBottom, kWidth, kLeft - 4, peak);
  int i = 0;
  const int label_every = std::max(1, n / 8);
  for (const auto& [day, counts] : c.per_day) {
    const double x = kLeft + 2 + i * slot;
    double y = kHeight - kBottom;
    for (auto [value, color, label] :
         {std::tuple{counts.allow, kAllowColor, "allow"}, std::tuple{counts.deny, kDenyColor, "deny"},
          std::tuple{counts.fail_closed, kFailColor, "fail closed"}}) {
      if (value == 0) continue;
      const double h = plot * static_cast<double>(value) / static_cast<double>(peak);
      y -= h;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {}</title></rect>",
          x, y, bar, h, color, day, label, value);
    }
    if (i % label_every == 0) {
      svg += fmt::format(
          "<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" fill=\"#596273\">{}</text>", x,
          kHeight - 6, day);
    }
    ++i;
  }
  return svg + "</svg>";
}

// Horizontal stacked bars of each control's outcomes.
std::string ControlChart(const ReportFigures& f) {
  constexpr int kWidth = 1100, kRow = 22, kLabel = 300;
  uint64_t peak = 1;
  for (const auto& c : f.controls) peak = std::max(peak, c.counts.total());
  const int height = static_cast<int>(f.controls.size()) * kRow + 8;
  std::string svg = fmt::format(
      "<svg role=\"img\" width=\"100%\" viewBox=\"0 0 {} {}\" aria-label=\"decisions per "
      "control\">",
      kWidth, height);
  int row = 0;
  for (const auto& c : f.controls) {
    const double y = 4 + row * kRow;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"end\">{}</text>", kLabel - 6,
        y + 14, Html(c.name.size() > 44 ? c.name.substr(0, 43) + "…" : c.name));
    double x = kLabel;
    for (auto [value, color, label] :
         {std::tuple{c.counts.allow, kAllowColor, "allow"},
          std::tuple{c.counts.deny, kDenyColor, "deny"},
          std::tuple{c.counts.fail_closed, kFailColor, "fail closed"}}) {
      if (value == 0) continue;
      const double w = (kWidth - kLabel - 60) * static_cast<double>(value) / peak;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"16\" fill=\"{}\">"
          "<title>{}: {} {}</title></rect>",
          x, y + 2, w, color, Html(c.name), value, label);
      x += w;
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{}</text>", x + 4,
                       y + 14, c.counts.total());
    ++row;
  }
  return svg + "</svg>";
}

std::string CountCells(const OutcomeCounts& c) {
  return fmt::format(
      "<td class=\"n allow\">{}</td><td class=\"n deny\">{}</td><td class=\"n fail_closed\">{}</td>"
      "<td class=\"n\">{}</td>",
      c.allow, c.deny, c.fail_closed, c.total());
}

std::string CountData(const OutcomeCounts& c) {
  return fmt::format("data-allow=\"{}\" data-deny=\"{}\" data-fail-closed=\"{}\" data-total=\"{}\"",
                     c.allow, c.deny, c.fail_closed, c.total());
}

std::string Verification(const VerificationStatus& v) {
  std::string out = "<h2 id=\"verification\">Verification</h2><div class=\"box\" ";
  out += fmt::format("data-verified=\"{}\" data-checked=\"{}\" data-signed-size=\"{}\" "
                     "data-unsigned-tail=\"{}\">",
                     v.ok ? "true" : "false", v.checked ? "true" : "false", v.signed_size,
                     v.unsigned_tail);
  if (v.ok) {
    out += "<p class=\"ok\">Verified.</p>";
  } else if (!v.checked) {
    out += "<p class=\"warn\">Not verified.</p>";
  } else {
    out += "<p class=\"bad\">Verification FAILED.</p>";
  }
  out += fmt::format("<p>{}</p><table>", Html(v.summary));
  std::string keys;
  for (const auto& k : v.keys) keys += fmt::format("<div class=\"key\">{}</div>", Html(k));
  if (keys.empty()) keys = "none given";
  out += fmt::format("<tr><th>Key used</th><td>{}</td></tr>", keys);
  if (!v.key_names.empty()) {
    std::string chain;
    for (size_t i = 0; i < v.key_names.size(); ++i) {
      chain += (i ? " → " : "") + Html(v.key_names[i]);
    }
    out += fmt::format("<tr><th>Keys followed</th><td>{}</td></tr>", chain);
  }
  out += fmt::format("<tr><th>Entries</th><td>{}</td></tr>", v.entries);
  if (v.signed_size > 0) {
    out += fmt::format(
        "<tr><th>Latest checkpoint</th><td>tree size {} (entries 0..{}){}</td></tr>",
        v.signed_size, v.signed_size - 1,
        v.checkpoint_time.empty() ? std::string()
                                  : "; last entry covered at " + Html(v.checkpoint_time));
  } else {
    out += "<tr><th>Latest checkpoint</th><td>none</td></tr>";
  }
  out += fmt::format(
      "<tr><th>Unsigned tail</th><td>{}</td></tr></table></div>",
      v.unsigned_tail == 0
          ? std::string("none")
          : fmt::format("{} entr{} after the latest checkpoint, covered only by the hash chain",
                        v.unsigned_tail, v.unsigned_tail == 1 ? "y" : "ies"));
  return out;
}

std::string Filters(const ReportOptions& o) {
  std::vector<std::string> parts;
  auto add = [&parts](std::string_view name, const std::string& value) {
    if (!value.empty()) parts.push_back(fmt::format("{} <code>{}</code>", name, Html(value)));
  };
  add("from", o.range.from);
  add("to", o.range.to);
  for (const auto& c : o.decisions.controls) add("control", c);
  for (const auto& r : o.decisions.rules) add("rule", r);
  for (const auto& d : o.decisions.decision_ids) add("decision id", d);
  add("subject", o.decisions.subject);
  add("action", o.decisions.action);
  add("resource", o.decisions.resource);
  add("decision", o.decisions.decision);
  if (parts.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

std::string SourceList(const std::vector<std::string>& paths) {
  std::string out;
  for (size_t i = 0; i < paths.size(); ++i) out += (i ? ", " : "") + ("<code>" + Html(paths[i]) + "</code>");
  return out;
}

}  // namespace

std::string ReportToHtml(const ReportFigures& f) {
  std::set<std::string> taken;
  std::vector<std::string> slugs;
  for (const auto& c : f.controls) slugs.push_back(ControlSlug(c.name, &taken));
  std::set<uint64_t> listed;  // the decisions described below (anchor targets)
  for (const auto& c : f.controls) {
    for (const auto& d : c.listed) listed.insert(d.seq);
  }
  auto decision_link = [&listed](uint64_t seq, const std::string& id) {
    if (!listed.count(seq)) return Html(id);
    return fmt::format("<a href=\"#decision-{}\">{}</a>", FragmentPart(id), Html(id));
  };

  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      // No network and no script, whatever the data says.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">"
      "<title>Arbiter audit report</title><style>";
  out += kStyle;
  out += "</style></head><body><main>";
  out += fmt::format(
      "<h1>Arbiter audit report</h1><p class=\"meta\">{} · generated {} · entries {} · "
      "filters: {}</p>",
      Html(f.source), Html(f.generated_at),
      f.range.empty() ? std::string("none selected")
                      : fmt::format("{}..{}", f.range.first, f.range.last),
      Filters(f.options));
  out += "<nav class=\"box\"><a href=\"#verification\">Verification</a> · <a "
         "href=\"#controls\">Controls</a> · <a href=\"#over-time\">Over time</a> · <a "
         "href=\"#rules\">Rules</a> · <a href=\"#obligations\">Obligations</a> · <a "
         "href=\"#policy-changes\">Policy changes</a> · <a href=\"#decisions\">Decisions</a></nav>";

  out += Verification(f.verification);

  // Controls: the summary table, then the chart.
  out += "<h2 id=\"controls\">Controls</h2>";
  out += fmt::format(
      "<p data-totals {} data-with-evidence=\"{}\" data-open-corrections=\"{}\">{} decisions: {} "
      "allowed, {} denied, {} failed closed; {} with evidence ({}); {} open corrections.</p>",
      CountData(f.totals), f.with_evidence, f.open_corrections, f.totals.total(), f.totals.allow,
      f.totals.deny, f.totals.fail_closed, f.with_evidence,
      Percent(f.with_evidence, f.totals.total()), f.open_corrections);
  out += fmt::format(
      "<div class=\"legend\"><span><i class=\"sw\" style=\"background:{}\"></i>allow</span>"
      "<span><i class=\"sw\" style=\"background:{}\"></i>deny</span><span><i class=\"sw\" "
      "style=\"background:{}\"></i>fail closed (a deny)</span></div>",
      kAllowColor, kDenyColor, kFailColor);
  out += "<table><thead><tr><th>Control</th><th>Allow</th><th>Deny</th><th>Fail closed</th>"
         "<th>Decisions</th><th>With evidence</th><th>Evidence coverage</th>"
         "<th>Open corrections</th></tr></thead><tbody>";
  for (size_t i = 0; i < f.controls.size(); ++i) {
    const ControlFigures& c = f.controls[i];
    out += fmt::format(
        "<tr data-control=\"{}\" {} data-with-evidence=\"{}\" data-open-corrections=\"{}\">"
        "<td><a href=\"#control-{}\">{}</a></td>{}<td class=\"n\">{}</td><td class=\"n\">{}</td>"
        "<td class=\"n{}\">{}</td></tr>",
        Html(c.name), CountData(c.counts), c.with_evidence, c.open_corrections, slugs[i],
        Html(c.name), CountCells(c.counts), c.with_evidence,
        Percent(c.with_evidence, c.counts.total()), c.open_corrections > 0 ? " bad" : "",
        c.open_corrections);
  }
  out += "</tbody></table>";
  if (!f.controls.empty()) out += "<div class=\"chart\">" + ControlChart(f) + "</div>";

  out += "<h2 id=\"over-time\">Decisions over time</h2><p class=\"meta\">Per control and UTC "
         "day.</p>";
  for (size_t i = 0; i < f.controls.size(); ++i) {
    out += fmt::format("<h3><a href=\"#control-{}\">{}</a></h3><div class=\"chart\">{}</div>",
                       slugs[i], Html(f.controls[i].name), DayChart(f.controls[i]));
  }

  out += "<h2 id=\"rules\">Rules</h2><table><thead><tr><th>Rule</th><th>Controls</th>"
         "<th>Allow</th><th>Deny</th><th>Fail closed</th><th>Decisions</th></tr></thead><tbody>";
  for (const RuleFigures& r : f.rules) {
    std::string controls;
    for (size_t i = 0; i < r.controls.size(); ++i) {
      controls += (i ? ", " : "") + Html(r.controls[i]);
    }
    out += fmt::format("<tr data-rule=\"{}\" {}><td><code>{}</code></td><td>{}</td>{}</tr>",
                       Html(r.name), CountData(r.counts), Html(r.name), controls,
                       CountCells(r.counts));
  }
  out += "</tbody></table>";

  const ObligationFollowUp& ob = f.obligations;
  out += fmt::format(
      "<h2 id=\"obligations\">Obligations</h2><p data-obligations data-open=\"{}\" "
      "data-discharged=\"{}\" data-discharged-late=\"{}\" data-overdue=\"{}\">As of {}: "
      "<span class=\"{}\">{} overdue</span>, {} open, {} discharged, {} discharged late.</p>",
      ob.open, ob.discharged, ob.discharged_late, ob.overdue, Html(ob.as_of),
      ob.overdue > 0 ? "bad" : "", ob.overdue, ob.open, ob.discharged, ob.discharged_late);
  std::string rows;
  for (const auto& o : ob.obligations) {
    rows += fmt::format(
        "<tr data-obligation-state=\"{}\"><td class=\"{}\">{}</td><td>{} ({})</td><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
        ObligationStateName(o.state), o.state == ObligationState::kOverdue ? "bad" : "",
        ObligationStateName(o.state), decision_link(o.decision_seq, o.decision_id),
        Html(o.decided_at), Html(o.rule), Html(o.requirement.type),
        o.requirement.role.empty() ? std::string() : " from role " + Html(o.requirement.role),
        o.due.empty() ? std::string("no deadline") : Html(o.due),
        o.evidence_seq ? fmt::format("seq {} by {} at {}", *o.evidence_seq,
                                     Html(o.evidence_author), Html(o.evidence_time))
                       : Html(o.problem));
  }
  if (!rows.empty()) {
    out += "<table><thead><tr><th>State</th><th>Decision</th><th>Rule</th><th>Requires</th>"
           "<th>Due</th><th>Evidence / problem</th></tr></thead><tbody>" +
           rows + "</tbody></table>";
  }
  if (f.obligations_more > 0) {
    out += fmt::format("<p class=\"meta\">and {} more (arbiter audit obligations lists them all).</p>",
                       f.obligations_more);
  }

  out += "<h2 id=\"policy-changes\">Policy changes</h2>";
  if (f.policy_changes.empty()) {
    out += "<p class=\"meta\">No activation in the selected range.</p>";
  } else {
    out += "<table><thead><tr><th>When</th><th>Who</th><th>Why</th><th>What changed</th>"
           "<th>Bundle</th></tr></thead><tbody>";
    for (const PolicyChange& p : f.policy_changes) {
      std::string what;
      if (p.first) what += "first activation; ";
      if (!p.added.empty()) what += "added " + SourceList(p.added) + "; ";
      if (!p.removed.empty()) what += "removed " + SourceList(p.removed) + "; ";
      if (!p.changed.empty()) what += "changed " + SourceList(p.changed) + "; ";
      if (p.added.empty() && p.removed.empty() && p.changed.empty()) what += "no source changed; ";
      what += fmt::format("{} unchanged", p.unchanged);
      if (!p.data.empty()) what += fmt::format("; data <code>{}</code>", Html(p.data.substr(0, 19)));
      out += fmt::format(
          "<tr data-policy-seq=\"{}\"><td>{}<br><span class=\"meta\">seq {}</span></td><td>{}</td>"
          "<td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
          p.seq, Html(p.time), p.seq, Html(p.activated_by), Html(p.reason), what,
          Html(p.bundle.substr(0, 19)));
    }
    out += "</tbody></table>";
  }

  // Each control's decisions link to one row per decision (a decision under two controls is
  // listed under both, and described once).
  out += "<h2 id=\"decisions\">Decisions by control</h2>";
  std::map<uint64_t, const ListedDecision*> described;
  for (size_t i = 0; i < f.controls.size(); ++i) {
    const ControlFigures& c = f.controls[i];
    out += fmt::format(
        "<section id=\"control-{}\" data-control-section=\"{}\"><h3>{}</h3><p>{} decisions "
        "({} allow, {} deny, {} fail closed); evidence coverage {}; {} open corrections.</p>",
        slugs[i], Html(c.name), Html(c.name), c.counts.total(), c.counts.allow, c.counts.deny,
        c.counts.fail_closed, Percent(c.with_evidence, c.counts.total()), c.open_corrections);
    if (!c.listed.empty()) {
      out += "<p>";
      for (size_t k = 0; k < c.listed.size(); ++k) {
        const ListedDecision& d = c.listed[k];
        described.emplace(d.seq, &d);
        out += fmt::format("{}<a class=\"{}\" href=\"#decision-{}\">seq {}</a>", k ? " · " : "",
                           d.outcome, FragmentPart(d.id), d.seq);
      }
      out += "</p>";
    }
    if (c.more > 0) out += fmt::format("<p class=\"meta\">and {} more.</p>", c.more);
    out += "</section>";
  }
  out += "<table><thead><tr><th>Decision</th><th>Outcome</th><th>Subject</th><th>Action</th>"
         "<th>Resource</th><th>Rules</th><th>Evidence</th></tr></thead><tbody>";
  for (const auto& [seq, d] : described) {
    std::string evidence;
    for (const auto& e : d->evidence) {
      evidence += fmt::format("<li id=\"evidence-{}-{}\">{} by {} at {} (seq {}){}</li>",
                              FragmentPart(d->id), e.seq, Html(e.type), Html(e.author),
                              Html(e.time), e.seq,
                              e.expected.empty() ? std::string()
                                                 : ": expected " + Html(e.expected));
    }
    if (!evidence.empty()) evidence = "<ul class=\"ev\">" + evidence + "</ul>";
    else evidence = "<span class=\"meta\">none</span>";
    std::string rules;
    for (size_t i = 0; i < d->rules.size(); ++i) {
      rules += (i ? "<br>" : "") + ("<code>" + Html(d->rules[i]) + "</code>");
    }
    out += fmt::format(
        "<tr id=\"decision-{}\" data-decision-seq=\"{}\"><td><code>{}</code><br><span "
        "class=\"meta\">seq {} · {}</span></td><td class=\"{}\">{}{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        FragmentPart(d->id), d->seq, Html(d->id), d->seq, Html(d->time), d->outcome, d->outcome,
        d->corrected_to.empty()
            ? std::string()
            : "<br><span class=\"bad\">open correction: reviewer expects " +
                  Html(d->corrected_to) + "</span>",
        Html(d->subject), Html(d->action), Html(d->resource), rules, evidence);
  }
  out += "</tbody></table></main></body></html>\n";
  return out;
}

}  // namespace arbiter::audit
