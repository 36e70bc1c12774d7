// Export: JSON Lines, CSV, filters, and the self-verifying bundle.
#include <sstream>

#include "common/encoding.h"
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
    CHECK_THAT(report.problem, Catch::Contains("inside the bundle"));
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
  o.from = "2";
  o.to = "6";
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
    (j.contains("omitted") ? omitted : count)++;
    uint64_t seq = j["seq"];
    if (!first) first = seq;
    last = seq;
  }
  nlohmann::json end = {{"end", true}, {"count", count}, {"omitted", omitted},
                        {"first", nullptr}, {"last", nullptr}};
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
  CHECK_THAT(report.problem, Catch::Contains("10 outside the kind filter are omitted"));
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
