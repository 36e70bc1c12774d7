// Export: JSON Lines, CSV, filters, and the self-verifying bundle.
#include <functional>
#include <sstream>

#include "common/encoding.h"
#include "ledger/entry.h"
#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

std::unique_ptr<Ledger> Build() {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(4));
  REQUIRE(ledger.ok());
  for (int i = 0; i < 10; ++i) REQUIRE((*ledger)->Append(SampleDecision(i)).ok());
  EvidenceRecord e;
  e.decision_ids = {"x"};
  e.type = "approval";
  e.author = "reviewer";
  REQUIRE((*ledger)->Append(e.ToRecord().value()).ok());
  REQUIRE((*ledger)->Close().ok());
  return std::move(*ledger);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string Export(Ledger& ledger, ExportOptions o) {
  std::ostringstream out;
  Status st = ledger.Export(o, out);
  REQUIRE(st.ok());
  return out.str();
}

}  // namespace

TEST_CASE("jsonl export: one exact entry per line") {
  auto ledger = Build();
  auto lines = Lines(Export(*ledger, {}));
  REQUIRE(lines.size() == 11);
  for (uint64_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i] == ledger->Get(i)->raw);
  }
}

TEST_CASE("export filters: seq range, kind, time") {
  auto ledger = Build();
  ExportOptions o;
  o.from = "3";
  o.to = "5";
  auto lines = Lines(Export(*ledger, o));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("\"seq\":3,") != std::string::npos);
  o = {};
  o.kind = "evidence";
  CHECK(Lines(Export(*ledger, o)).size() == 1);
  o = {};
  std::string t = ledger->Get(0)->time;
  o.from = t.substr(0, 10);  // the day
  CHECK(Lines(Export(*ledger, o)).size() == 11);
  o.from = "2000-01-01T00:00:00Z";
  o.to = "2000-12-31";
  CHECK(Lines(Export(*ledger, o)).empty());
  o = {};
  o.from = "yesterday";
  std::ostringstream out;
  CHECK(ledger->Export(o, out).code() == StatusCode::kInvalidArgument);
  o = {};
  o.kind = "Bad Kind";
  CHECK(ledger->Export(o, out).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("csv export") {
  auto ledger = Build();
  ExportOptions o;
  o.format = ExportOptions::Format::kCsv;
  auto lines = Lines(Export(*ledger, o));
  REQUIRE(lines.size() == 12);
  CHECK(lines[0] == "seq,time,kind,entry_hash,decision_id,decision,bundle,payload");
  CHECK(lines[1].starts_with("0,"));
  CHECK(lines[1].find(",decision," + HexEncode(ledger->Get(0)->entry_hash) + ",") != std::string::npos);
  CHECK(lines[1].find(",deny,sha256:") != std::string::npos);
}

TEST_CASE("bundle export verifies without the database; tampering is caught") {
  auto ledger = Build();
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  std::string bundle = Export(*ledger, o);
  {
    std::istringstream in(bundle);
    auto report = VerifyExportBundle(in, Trusted());
    INFO(report.Summary());
    CHECK(report.ok);
    CHECK(report.entries == 11);
  }
  {
    std::istringstream in(bundle);
    auto report = VerifyExportBundle(in, {});
    CHECK(report.ok);
    CHECK(report.problem.empty());  // what is wrong, and nothing is
    CHECK_THAT(report.note, Catch::Contains("inside the bundle"));
    CHECK_THAT(report.Summary(), Catch::Contains("inside the bundle"));
  }
  {
    std::istringstream in(bundle);
    auto report = VerifyExportBundle(in, Trusted(TestKey("wrong.example/key")));
    CHECK_FALSE(report.ok);
  }
  {
    auto lines = Lines(bundle);
    std::string tampered;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string l = lines[i];
      if (i == 5) l.replace(l.find("user"), 4, "USER");  // entry seq 4
      tampered += l + "\n";
    }
    std::istringstream in(tampered);
    auto report = VerifyExportBundle(in, Trusted());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(4));
  }
  {
    auto lines = Lines(bundle);
    std::string dropped;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i != 3) dropped += lines[i] + "\n";
    }
    std::istringstream in(dropped);
    auto report = VerifyExportBundle(in, Trusted());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(2));
    CHECK_THAT(report.problem, Catch::Contains("entry 2 is missing"));
  }
  {
    std::istringstream in(bundle.substr(0, bundle.size() / 2));
    CHECK_FALSE(VerifyExportBundle(in, Trusted()).ok);
  }
  {
    std::istringstream in("{\"format\":\"arbiter-ledger-bundle\",\"version\":99}\n");
    auto report = VerifyExportBundle(in, Trusted());
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("newer"));
  }
}

TEST_CASE("bundle export of a filtered range") {
  auto ledger = Build();
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  // Assigned as std::string: GCC 12 at -O3 reports a false -Wrestrict for assigning a short
  // literal here (GCC bug 105329).
  o.from = std::string("2");
  o.to = std::string("6");
  std::istringstream in(Export(*ledger, o));
  auto report = VerifyExportBundle(in, Trusted());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.entries == 5);
}

namespace {

// The bundle's lines, changed by `edit` (which may drop, repeat or rewrite lines), verified.
VerifyReport VerifyEdited(const std::string& bundle,
                          const std::function<void(std::vector<std::string>&)>& edit) {
  auto lines = Lines(bundle);
  edit(lines);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  std::istringstream in(text);
  return VerifyExportBundle(in, Trusted());
}

// Rewrites the end line so that its counts match what is left: the forger's best effort.
void FixEndLine(std::vector<std::string>& lines) {
  uint64_t count = 0, omitted = 0;
  std::optional<uint64_t> first, last;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    if (j.contains("dependency")) continue;
    (j.contains("omitted") ? omitted : count)++;
    uint64_t seq = j["seq"];
    if (!first) first = seq;
    last = seq;
  }
  // The other members (version 4: dependencies, unrecorded) are kept.
  nlohmann::json end = nlohmann::json::parse(lines.back());
  end["count"] = count;
  end["omitted"] = omitted;
  end["first"] = nullptr;
  end["last"] = nullptr;
  if (first) end["first"] = *first;
  if (last) end["last"] = *last;
  lines.back() = end.dump();
}

}  // namespace

TEST_CASE("bundle completeness: a removed, repeated, reordered or stray entry is named") {
  auto ledger = Build();
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  const std::string bundle = Export(*ledger, o);
  REQUIRE(Lines(bundle).size() == 13);  // header, 11 entries, end
  SECTION("an entry deleted from the middle, end line fixed up") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      lines.erase(lines.begin() + 1 + 5);  // seq 5
      FixEndLine(lines);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(5));
    CHECK_THAT(report.problem, Catch::Contains("entry 5 is missing"));
  }
  SECTION("the first entries deleted") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      lines.erase(lines.begin() + 1, lines.begin() + 3);  // seq 0 and 1
      FixEndLine(lines);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(0));
  }
  SECTION("the last entry deleted") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      lines.erase(lines.end() - 2);  // seq 10
      FixEndLine(lines);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(10));
    CHECK_THAT(report.problem, Catch::Contains("range ends at entry 10"));
  }
  SECTION("an entry repeated") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      lines.insert(lines.begin() + 4, lines[3]);  // seq 2 twice
      FixEndLine(lines);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(2));
    CHECK_THAT(report.problem, Catch::Contains("repeats or is out of order"));
  }
  SECTION("two entries swapped") {
    auto report = VerifyEdited(bundle, [](auto& lines) { std::swap(lines[4], lines[5]); });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("missing"));
  }
  SECTION("the header's range disagrees with the entries") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      auto header = nlohmann::json::parse(lines[0]);
      header["from"] = "3";  // claims to start at 3, holds 0..10
      lines[0] = header.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(0));
    CHECK_THAT(report.problem, Catch::Contains("before the bundle's stated range"));
  }
  SECTION("the header's tree size disagrees with its checkpoint") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      auto header = nlohmann::json::parse(lines[0]);
      header["tree_size"] = 5;
      lines[0] = header.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("tree_size"));
  }
  SECTION("an entry outside the stated kind") {
    ExportOptions evidence_only = o;
    evidence_only.kind = "evidence";
    std::string filtered = Export(*ledger, evidence_only);
    auto report = VerifyEdited(filtered, [&](auto& lines) {
      lines[1] = Lines(bundle)[1];  // the full decision entry 0 instead of its stub
      FixEndLine(lines);
    });
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(0));
    CHECK_THAT(report.problem, Catch::Contains("outside the bundle's selection"));
  }
  SECTION("an end line that states another range") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      auto end = nlohmann::json::parse(lines.back());
      end["last"] = 12;
      lines.back() = end.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("states the range"));
  }
  SECTION("a version 1 bundle is refused: it cannot show what is missing") {
    auto report = VerifyEdited(bundle, [](auto& lines) {
      auto header = nlohmann::json::parse(lines[0]);
      header["version"] = 1;
      lines[0] = header.dump();
    });
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("does not state its range"));
  }
}

TEST_CASE("bundle with a kind filter: other entries are omitted stubs, proven in the tree") {
  auto ledger = Build();
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  o.kind = "evidence";
  std::string bundle = Export(*ledger, o);
  auto lines = Lines(bundle);
  REQUIRE(lines.size() == 13);
  CHECK(nlohmann::json::parse(lines[1]).contains("omitted"));
  CHECK(nlohmann::json::parse(lines[11])["entry"].get<std::string>().find("\"evidence\"") !=
        std::string::npos);
  std::istringstream in(bundle);
  auto report = VerifyExportBundle(in, Trusted());
  INFO(report.Summary());
  CHECK(report.ok);
  CHECK(report.entries == 1);
  CHECK_THAT(report.note, Catch::Contains("10 outside the kind filter are omitted"));
  // A stub whose hash was changed is not in the tree.
  auto forged = VerifyEdited(bundle, [](auto& lines) {
    auto stub = nlohmann::json::parse(lines[3]);
    std::string h = stub["omitted"];
    h[0] = h[0] == 'a' ? 'b' : 'a';
    stub["omitted"] = h;
    lines[3] = stub.dump();
  });
  CHECK_FALSE(forged.ok);
  CHECK(forged.bad_seq == std::optional<uint64_t>(2));
}

// ---------------------------------------------------------------------------------------
// Key rotations travel with a bundle (issue 14): an auditor holding only the first public
// key verifies a bundle whose checkpoint a later key signed.

namespace {

SigningKey Key1() { return TestKey("test.example/ledger-k1"); }
SigningKey Key2() { return TestKey("test.example/ledger-k2"); }

// Entries 0..4, rotation to k1 at seq 5, entries 6..9, optionally rotation to k2 at seq 10
// and entries 11..13.
std::unique_ptr<Ledger> BuildRotated(int rotations) {
  auto ledger = Ledger::OpenWithStorage(NewMemoryStorage(), TestOptions(4));
  REQUIRE(ledger.ok());
  int n = 0;
  for (int i = 0; i < 5; ++i) REQUIRE((*ledger)->Append(SampleDecision(n++)).ok());
  REQUIRE((*ledger)->RotateKey(Key1()).ok());
  for (int i = 0; i < 4; ++i) REQUIRE((*ledger)->Append(SampleDecision(n++)).ok());
  if (rotations > 1) {
    REQUIRE((*ledger)->RotateKey(Key2()).ok());
    for (int i = 0; i < 3; ++i) REQUIRE((*ledger)->Append(SampleDecision(n++)).ok());
  }
  REQUIRE((*ledger)->Close().ok());
  return std::move(*ledger);
}

VerifyReport VerifyText(const std::string& bundle, const std::vector<VerifierKey>& keys) {
  std::istringstream in(bundle);
  return VerifyExportBundle(in, keys);
}

std::string BundleOf(Ledger& ledger, std::string from = "", std::string to = "") {
  ExportOptions o;
  o.format = ExportOptions::Format::kBundle;
  o.from = std::move(from);
  o.to = std::move(to);
  return Export(ledger, o);
}

// Rewrites the header line's key chain with `edit`.
std::string EditChain(const std::string& bundle,
                      const std::function<void(nlohmann::json&)>& edit) {
  auto lines = Lines(bundle);
  nlohmann::json header = nlohmann::json::parse(lines[0]);
  REQUIRE(header.contains("key_chain"));
  edit(header["key_chain"]);
  std::string out = header.dump() + "\n";
  for (size_t i = 1; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

}  // namespace

TEST_CASE("bundle after rotations verifies with the first key (rotations inside the range)") {
  for (int rotations : {1, 2}) {
    auto ledger = BuildRotated(rotations);
    std::string bundle = BundleOf(*ledger);
    auto report = VerifyText(bundle, Trusted());
    INFO(rotations << " rotations: " << report.Summary());
    CHECK(report.ok);
    REQUIRE(report.keys.size() == static_cast<size_t>(rotations + 1));
    CHECK(report.keys.back() == (rotations == 1 ? Key1() : Key2()).name());
    // Without a key: the chain is followed from its first old key, the report says so.
    auto self = VerifyText(bundle, {});
    CHECK(self.ok);
    CHECK(self.keys.size() == static_cast<size_t>(rotations + 1));
    CHECK_THAT(self.note, Catch::Contains("inside the bundle"));
    // The current key alone also verifies it; so does the middle key.
    CHECK(VerifyText(bundle, Trusted(rotations == 1 ? Key1() : Key2())).ok);
    if (rotations == 2) CHECK(VerifyText(bundle, Trusted(Key1())).ok);
    // An unrelated key fails and says why.
    auto wrong = VerifyText(bundle, Trusted(TestKey("unrelated.example/key")));
    CHECK_FALSE(wrong.ok);
    CHECK_THAT(wrong.problem, Catch::Contains("unrelated.example/key"));
    CHECK_THAT(wrong.problem, Catch::Contains("rotation"));
    CHECK(wrong.bad_seq == std::optional<uint64_t>(5));
  }
}

TEST_CASE("bundle after rotations verifies with the first key (rotations before the range)") {
  for (int rotations : {1, 2}) {
    auto ledger = BuildRotated(rotations);
    std::string from = rotations == 1 ? "7" : "12";
    std::string bundle = BundleOf(*ledger, from);
    auto report = VerifyText(bundle, Trusted());
    INFO(rotations << " rotations: " << report.Summary());
    CHECK(report.ok);
    CHECK(report.keys.size() == static_cast<size_t>(rotations + 1));
    CHECK_FALSE(VerifyText(bundle, Trusted(TestKey("unrelated.example/key"))).ok);
    // A range that ends before a rotation: the checkpoint is still the latest one, signed by
    // the latest key, so the later rotations travel too.
    auto early = BundleOf(*ledger, "0", "3");
    auto early_report = VerifyText(early, Trusted());
    INFO(early_report.Summary());
    CHECK(early_report.ok);
  }
}

TEST_CASE("bundle key chain: forged, gapped, reordered or wrongly signed chains are named") {
  auto ledger = BuildRotated(2);  // rotations at seq 5 and 10
  std::string bundle = BundleOf(*ledger, "11");
  REQUIRE(VerifyText(bundle, Trusted()).ok);
  SECTION("a gap: the first rotation removed") {
    auto report = VerifyText(EditChain(bundle, [](nlohmann::json& c) { c.erase(c.begin()); }),
                             Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(10));
  }
  SECTION("a gap: the last rotation removed") {
    auto report = VerifyText(EditChain(bundle, [](nlohmann::json& c) { c.erase(c.end() - 1); }),
                             Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK_THAT(report.problem, Catch::Contains("checkpoint"));
  }
  SECTION("reordered") {
    auto report = VerifyText(EditChain(bundle, [](nlohmann::json& c) { std::swap(c[0], c[1]); }),
                             Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(5));
    CHECK_THAT(report.problem, Catch::Contains("order"));
  }
  SECTION("forged: the new key replaced") {
    auto forged = EditChain(bundle, [](nlohmann::json& c) {
      std::string entry = c[1]["entry"].get<std::string>();
      std::string k2 = Key2().VerifierText();
      std::string evil = TestKey("evil.example/key").VerifierText();
      for (size_t at; (at = entry.find(k2)) != std::string::npos;) entry.replace(at, k2.size(), evil);
      c[1]["entry"] = entry;
    });
    auto report = VerifyText(forged, Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(10));
  }
  SECTION("a rotation signed by the wrong key") {
    // A genuine-looking rotation entry at seq 10 whose note the attacker's key signed.
    auto forged = EditChain(bundle, [](nlohmann::json& c) {
      const std::string genuine = c[1]["entry"].get<std::string>();
      auto view = ParseEntry(genuine);  // views into `genuine`
      REQUIRE(view.ok());
      SigningKey evil = TestKey("evil.example/key");
      nlohmann::json p = nlohmann::json::parse(view->payload);
      std::string statement = "arbiter-ledger key rotation\ntest.example/ledger\n" +
                              p["new_key"].get<std::string>() + "\n";
      p["note"] = SignNote(statement, evil).value();
      p["old_key"] = evil.VerifierText();
      std::string raw;
      EncodeEntry(view->kind, CanonicalJson(p).value(), view->prev, view->seq, view->time, &raw);
      c[1]["entry"] = raw;
    });
    auto report = VerifyText(forged, Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(10));
  }
  SECTION("a chain entry claiming another seq") {
    auto report =
        VerifyText(EditChain(bundle, [](nlohmann::json& c) { c[0]["seq"] = 6; }), Trusted());
    INFO(report.Summary());
    CHECK_FALSE(report.ok);
    CHECK(report.bad_seq == std::optional<uint64_t>(6));
  }
  SECTION("the chain removed altogether") {
    auto lines = Lines(bundle);
    nlohmann::json header = nlohmann::json::parse(lines[0]);
    header.erase("key_chain");
    std::string out = header.dump() + "\n";
    for (size_t i = 1; i < lines.size(); ++i) out += lines[i] + "\n";
    auto report = VerifyText(out, Trusted());
    CHECK_FALSE(report.ok);
  }
}

TEST_CASE("bundle key chain: a rotation inside the range must be in the chain") {
  auto ledger = BuildRotated(1);
  std::string bundle = BundleOf(*ledger);
  // With the current key trusted, the chain is not needed for the signature, but the rotation
  // line at seq 5 must still match the chain's entry.
  auto report = VerifyText(EditChain(bundle, [](nlohmann::json& c) { c.clear(); }),
                           Trusted(Key1()));
  INFO(report.Summary());
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == std::optional<uint64_t>(5));
}

TEST_CASE("version 2 and 3 bundles (no filter, no dependencies; v2: no key chain) still verify") {
  auto ledger = Build();
  std::string bundle = BundleOf(*ledger);
  auto lines = Lines(bundle);
  nlohmann::json header = nlohmann::json::parse(lines[0]);
  CHECK(header["version"] == 4);
  CHECK(header["filter"] == nlohmann::json::object());
  header.erase("filter");
  auto end = nlohmann::json::parse(lines.back());
  end.erase("dependencies");
  end.erase("unrecorded");
  lines.back() = end.dump();
  for (int version : {3, 2}) {
    header["version"] = version;
    if (version == 2) header.erase("key_chain");
    std::string old = header.dump() + "\n";
    for (size_t i = 1; i < lines.size(); ++i) old += lines[i] + "\n";
    auto report = VerifyText(old, Trusted());
    INFO(version << ": " << report.Summary());
    CHECK(report.ok);
    // An older bundle cannot state a filter.
    header["filter"] = {{"controls", {"X"}}};
    std::string filtered = header.dump() + "\n";
    for (size_t i = 1; i < lines.size(); ++i) filtered += lines[i] + "\n";
    CHECK_FALSE(VerifyText(filtered, Trusted()).ok);
    header.erase("filter");
  }
}
