// Export bundles version 4: a decision filter, and the entries the selected decisions depend
// on (their policy and data entries, the evidence naming them) carried as dependency lines
// with inclusion proofs. The hostile cases come first: what a forger would try.
#include <functional>
#include <sstream>

#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

const std::string kPolicyA = "sha256:" + std::string(64, 'a');
const std::string kPolicyB = "sha256:" + std::string(64, 'b');

Record PolicyEntry(const std::string& digest, const std::string& data_digest) {
  PolicyRecord p;
  p.bundle_digest = digest;
  p.activated_by = "export test";
  p.data_digest = data_digest;
  p.bundle_bytes = "bundle " + digest;
  auto r = p.ToRecord();
  REQUIRE(r.ok());
  return *r;
}

Record Decision(int i, const std::string& policy, const std::string& data_digest) {
  DecisionRecord d;
  d.decision_id = "d" + std::to_string(i);
  d.request = {{"subject", {{"type", "User"}, {"id", "user" + std::to_string(i % 3)}}},
               {"action", {{"name", i % 2 == 0 ? "deploy" : "retire"}}},
               {"resource", {{"type", "Model"}, {"id", "m" + std::to_string(i)}}},
               {"context", nlohmann::json::object()}};
  d.decision = i % 3 == 0 ? "deny" : "allow";
  d.reasons = nlohmann::json::array(
      {{{"rule", i % 2 == 0 ? "models.even" : "models.odd"}, {"message", "m"}}});
  d.controls = {i % 2 == 0 ? "CTL-EVEN" : "CTL-ODD"};
  d.bundle_digest = policy;
  d.data_digest = data_digest;
  auto r = d.ToRecord();
  REQUIRE(r.ok());
  return *r;
}

Record Evidence(std::vector<std::string> ids, const std::string& type) {
  EvidenceRecord e;
  e.decision_ids = std::move(ids);
  e.type = type;
  e.author = "reviewer";
  auto r = e.ToRecord();
  REQUIRE(r.ok());
  return *r;
}

// seq 0 data D; 1 policy A (with D); 2..9 decisions d0..d7 under A; 10 evidence on d0 and d1;
// 11 policy B; 12..15 decisions d8..d11 under B; 16 evidence on d8; 17 evidence on d3 and
// d11; 18 evidence on nothing recorded ("zz").
struct Built {
  std::unique_ptr<Ledger> ledger;
  std::string data_digest;
};

Built BuildWithDependencies() {
  auto opened = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(5));
  REQUIRE(opened.ok());
  Built b;
  b.ledger = std::move(*opened);
  DataRecord data;
  data.entities_json = R"([{"uid":{"type":"User","id":"user0"},"attrs":{},"parents":[]}])";
  auto digest = EntityDataDigest(data.entities_json);
  REQUIRE(digest.ok());
  b.data_digest = *digest;
  auto append = [&](Record r) { REQUIRE(b.ledger->Append(std::move(r)).ok()); };
  append(*data.ToRecord());
  append(PolicyEntry(kPolicyA, b.data_digest));
  for (int i = 0; i < 8; ++i) append(Decision(i, kPolicyA, b.data_digest));
  append(Evidence({"d0", "d1"}, "approval"));
  append(PolicyEntry(kPolicyB, b.data_digest));
  for (int i = 8; i < 12; ++i) append(Decision(i, kPolicyB, b.data_digest));
  append(Evidence({"d8"}, "approval"));
  append(Evidence({"d3", "d11"}, "correction"));
  append(Evidence({"zz"}, "evaluation_report"));
  REQUIRE(b.ledger->Close().ok());
  REQUIRE(b.ledger->Size() == 19);
  return b;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

std::string Export(const Ledger& ledger, const ExportOptions& o) {
  std::ostringstream out;
  Status st = ledger.Export(o, out);
  INFO(st.message());
  REQUIRE(st.ok());
  return out.str();
}

ExportOptions BundleOptions(std::vector<std::string> controls = {}) {
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  o.decisions.controls = std::move(controls);
  return o;
}

VerifyReport VerifyText(const std::string& text) {
  std::istringstream in(text);
  return VerifyExportBundle(in, Trusted());
}

// Index of the line whose seq is `seq` and which is (or is not) a dependency line.
size_t LineOf(const std::vector<std::string>& lines, uint64_t seq, bool dependency) {
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    if (j.value("seq", uint64_t{999}) == seq && j.contains("dependency") == dependency) return i;
  }
  FAIL("no line for seq " << seq);
  return 0;
}

// The end line's dependency count set to what the lines hold: the forger's best effort.
void FixDependencyCount(std::vector<std::string>& lines) {
  uint64_t n = 0;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    n += nlohmann::json::parse(lines[i]).contains("dependency");
  }
  auto end = nlohmann::json::parse(lines.back());
  end["dependencies"] = n;
  lines.back() = end.dump();
}

}  // namespace

TEST_CASE("bundle v4 hostile: altered, misproven, missing, duplicated, needless dependencies") {
  Built b = BuildWithDependencies();
  // Decisions of CTL-ODD: d1 d3 d5 d7 (seqs 3 5 7 9, policy A), d9 d11 (seqs 13 15, policy B).
  ExportOptions o = BundleOptions({"CTL-ODD"});
  o.from = std::string("4");
  const std::string bundle = Export(*b.ledger, o);
  {
    auto report = VerifyText(bundle);
    INFO(report.Summary());
    REQUIRE(report.ok);
  }
  const auto lines = Lines(bundle);
  auto edited = [&](const std::function<void(std::vector<std::string>&)>& edit) {
    auto copy = lines;
    edit(copy);
    return VerifyText(Join(copy));
  };

  SECTION("a dependency's bytes altered") {
    auto report = edited([](auto& l) {
      size_t i = LineOf(l, 1, true);  // policy A
      auto j = nlohmann::json::parse(l[i]);
      std::string entry = j["entry"];
      entry.replace(entry.find("export test"), 11, "export TEST");
      j["entry"] = entry;
      l[i] = j.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(1));
    CHECK_THAT(report.problem, Catch::Contains("policy dependency at seq 1") &&
                                   Catch::Contains("not in the signed checkpoint's tree"));
  }
  SECTION("a dependency with another entry's proof") {
    auto report = edited([](auto& l) {
      size_t policy = LineOf(l, 1, true);
      size_t data = LineOf(l, 0, true);
      auto j = nlohmann::json::parse(l[policy]);
      j["proof"] = nlohmann::json::parse(l[data])["proof"];
      l[policy] = j.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(1));
    CHECK_THAT(report.problem, Catch::Contains("not in the signed checkpoint's tree"));
  }
  SECTION("a missing policy dependency, end line fixed up") {
    auto report = edited([](auto& l) {
      l.erase(l.begin() + static_cast<long>(LineOf(l, 1, true)));
      FixDependencyCount(l);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(5));  // d3, the first held decision under A
    CHECK_THAT(report.problem, Catch::Contains("decision d3 (seq 5): its policy entry (" +
                                               kPolicyA + ") is not in the bundle"));
  }
  SECTION("a missing data dependency, end line fixed up") {
    auto report = edited([](auto& l) {
      l.erase(l.begin() + static_cast<long>(LineOf(l, 0, true)));
      FixDependencyCount(l);
    });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("its data entry (" + b.data_digest + ")"));
  }
  SECTION("a missing dependency passed off as unrecorded in the ledger") {
    // The end line is not signed: a forger may claim the ledger holds no such entry. The
    // claim is refused when it contradicts the bundle; otherwise the report states it.
    auto report = edited([&](auto& l) {
      auto end = nlohmann::json::parse(l.back());
      end["unrecorded"]["policy"].push_back(kPolicyA);
      l.back() = end.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("but the bundle holds its entry"));
  }
  SECTION("a decision outside the stated filter") {
    // d2 (seq 4, CTL-EVEN) as a full entry instead of its stub.
    const auto full = Lines(Export(*b.ledger, [] {
      ExportOptions all = BundleOptions();
      all.from = std::string("4");
      return all;
    }()));
    auto report = edited([&](std::vector<std::string>& l) {
      l[LineOf(l, 4, false)] = full[LineOf(full, 4, false)];
      nlohmann::json end = nlohmann::json::parse(l.back());
      end["count"] = end["count"].get<uint64_t>() + 1;
      end["omitted"] = end["omitted"].get<uint64_t>() - 1;
      l.back() = end.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(4));
    CHECK_THAT(report.problem, Catch::Contains("decision d2 does not match the bundle's filter"));
  }
  SECTION("a header whose filter was widened to cover a forged selection") {
    auto report = edited([](auto& l) {
      auto header = nlohmann::json::parse(l[0]);
      header["filter"] = {{"controls", {"CTL-EVEN"}}};
      l[0] = header.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(5));
    CHECK_THAT(report.problem, Catch::Contains("decision d3 does not match"));
  }
  SECTION("a duplicated dependency line") {
    auto report = edited([](auto& l) {
      size_t i = LineOf(l, 1, true);
      l.insert(l.begin() + static_cast<long>(i) + 1, l[i]);
      FixDependencyCount(l);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(1));
    CHECK_THAT(report.problem, Catch::Contains("repeats or is out of order"));
  }
  SECTION("a dependency no held decision needs") {
    // Evidence 18 names no decision of the bundle; its line, with its real proof, is added.
    const auto all = Lines(Export(*b.ledger, BundleOptions()));
    auto report = edited([&](auto& l) {
      auto j = nlohmann::json::parse(all[LineOf(all, 18, false)]);
      j["dependency"] = "evidence";
      l.insert(l.end() - 1, j.dump());
      FixDependencyCount(l);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(18));
    CHECK_THAT(report.problem, Catch::Contains("names no decision the bundle holds"));
  }
  SECTION("a dependency that claims another kind") {
    auto report = edited([](auto& l) {
      size_t i = LineOf(l, 1, true);
      auto j = nlohmann::json::parse(l[i]);
      j["dependency"] = "data";
      l[i] = j.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(1));
    CHECK_THAT(report.problem, Catch::Contains("holds a policy entry"));
  }
  SECTION("a dependency count that disagrees with the lines") {
    auto report =
        edited([](auto& l) { l.erase(l.begin() + static_cast<long>(LineOf(l, 17, true))); });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("dependencies, found"));
  }
  SECTION("a range line after the dependency lines") {
    auto report = edited([](auto& l) {
      size_t i = LineOf(l, 4, false);
      std::string stub = l[i];
      l.erase(l.begin() + static_cast<long>(i));
      l.insert(l.end() - 1, stub);
    });
    CHECK_FALSE(report.ok);
  }
}

TEST_CASE("bundle v4: a filtered bundle holds the matching decisions and what they depend on") {
  Built b = BuildWithDependencies();
  ExportOptions o = BundleOptions({"CTL-ODD"});
  o.from = std::string("4");
  const std::string bundle = Export(*b.ledger, o);
  auto report = VerifyText(bundle);
  INFO(report.Summary());
  REQUIRE(report.ok);
  CHECK(report.entries == 5);  // d3 d5 d7 d9 d11: seqs 5 7 9 13 15
  const auto lines = Lines(bundle);
  auto header = nlohmann::json::parse(lines[0]);
  CHECK(header["version"] == 4);
  CHECK(header["filter"] == nlohmann::json{{"controls", {"CTL-ODD"}}});
  std::vector<uint64_t> held, stubs, deps;
  std::vector<std::string> dep_kinds;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    if (j.contains("dependency")) {
      deps.push_back(j["seq"]);
      dep_kinds.push_back(j["dependency"]);
    } else {
      (j.contains("omitted") ? stubs : held).push_back(j["seq"]);
    }
  }
  CHECK(held == std::vector<uint64_t>{5, 7, 9, 13, 15});
  CHECK(stubs.size() == 10);  // 4..18 less the five decisions
  // Data and policy A before the range, evidence 10 (d1 is outside the range: not linked;
  // d0 neither) is not carried; policy B (11) is in the range as a stub: carried; evidence
  // 17 names d3 and d11; 16 names d8 (CTL-EVEN) only; 18 names nothing recorded.
  CHECK(deps == std::vector<uint64_t>{0, 1, 11, 17});
  CHECK(dep_kinds == std::vector<std::string>{"data", "policy", "policy", "evidence"});
  auto end = nlohmann::json::parse(lines.back());
  CHECK(end["dependencies"] == 4);
  CHECK(end["count"] == 5);
  CHECK(end["unrecorded"] ==
        nlohmann::json{{"data", nlohmann::json::array()}, {"policy", nlohmann::json::array()}});
  CHECK_THAT(report.note, Catch::Contains("4 dependencies (1 data, 1 evidence, 2 policy)"));
  CHECK_THAT(report.note, Catch::Contains("outside the decision filter"));
}

TEST_CASE("bundle v4 without a filter: dependencies outside the range; held ones not repeated") {
  Built b = BuildWithDependencies();
  ExportOptions o = BundleOptions();
  o.from = std::string("12");
  o.to = std::string("15");
  const std::string bundle = Export(*b.ledger, o);
  auto report = VerifyText(bundle);
  INFO(report.Summary());
  REQUIRE(report.ok);
  std::vector<uint64_t> deps;
  for (const auto& l : Lines(bundle)) {
    auto j = nlohmann::json::parse(l);
    if (j.contains("dependency")) deps.push_back(j["seq"]);
  }
  CHECK(deps == std::vector<uint64_t>{0, 11, 16, 17});

  // The whole ledger: everything is held, nothing is a dependency.
  const std::string whole = Export(*b.ledger, BundleOptions());
  CHECK(nlohmann::json::parse(Lines(whole).back())["dependencies"] == 0);
  CHECK(VerifyText(whole).ok);
  // A held entry repeated as a dependency line is refused.
  auto lines = Lines(whole);
  auto j = nlohmann::json::parse(lines[LineOf(lines, 1, false)]);
  j["dependency"] = "policy";
  lines.insert(lines.end() - 1, j.dump());
  FixDependencyCount(lines);
  auto repeated = VerifyText(Join(lines));
  CHECK_FALSE(repeated.ok);
  CHECK(repeated.bad_seq == std::optional<uint64_t>(1));
  CHECK_THAT(repeated.problem, Catch::Contains("which the bundle's range holds"));
}

TEST_CASE("export decision filters: jsonl and csv, bad combinations") {
  Built b = BuildWithDependencies();
  ExportOptions o;
  o.decisions.controls = {"CTL-EVEN"};
  o.decisions.decision = "deny";
  auto lines = Lines(Export(*b.ledger, o));  // d0 d6 (deny: i % 3 == 0; even)
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == b.ledger->Get(2)->raw);
  CHECK(lines[1] == b.ledger->Get(8)->raw);
  o.with_dependencies = true;
  lines = Lines(Export(*b.ledger, o));  // then data 0, policy 1, evidence 10 (d0)
  REQUIRE(lines.size() == 5);
  CHECK(lines[2] == b.ledger->Get(0)->raw);
  CHECK(lines[3] == b.ledger->Get(1)->raw);
  CHECK(lines[4] == b.ledger->Get(10)->raw);

  o = {};
  o.format = ExportOptions::Format::kCsv;
  o.decisions.subject = "User::\"user1\"";
  o.decisions.action = "retire";
  lines = Lines(Export(*b.ledger, o));  // user1 retire: d1 (i % 3 == 1, odd), d7
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].starts_with("3,"));
  CHECK(lines[2].starts_with("9,"));

  std::ostringstream out;
  o = {};
  o.kind = "evidence";
  o.decisions.rules = {"models.odd"};
  Status st = b.ledger->Export(o, out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(st.message(), Catch::Contains("cannot be combined with --kind evidence"));
  o.kind = "decision";
  CHECK(b.ledger->Export(o, out).ok());
  o = {};
  o.decisions.decision = "maybe";
  st = b.ledger->Export(o, out);
  CHECK(st.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(st.message(), Catch::Contains("--decision 'maybe'"));
}

TEST_CASE("bundle v4: a decision whose policy the ledger never recorded is stated, not lost") {
  auto opened = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(4));
  REQUIRE(opened.ok());
  auto& ledger = **opened;
  for (int i = 0; i < 3; ++i) REQUIRE(ledger.Append(SampleDecision(i)).ok());
  REQUIRE(ledger.Close().ok());
  const std::string bundle = Export(ledger, BundleOptions());
  auto end = nlohmann::json::parse(Lines(bundle).back());
  REQUIRE(end["unrecorded"]["policy"].size() == 1);
  auto report = VerifyText(bundle);
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK_THAT(report.note, Catch::Contains("1 the exporter states are not recorded"));
  // The statement may not name a digest no held decision uses.
  auto lines = Lines(bundle);
  end["unrecorded"]["data"].push_back("sha256:" + std::string(64, 'c'));
  lines.back() = end.dump();
  auto needless = VerifyText(Join(lines));
  CHECK_FALSE(needless.ok);
  CHECK_THAT(needless.problem, Catch::Contains("no decision the bundle holds names it"));
}
