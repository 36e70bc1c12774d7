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
    CHECK_THAT(report.problem, Catch::Contains("entries removed"));
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
