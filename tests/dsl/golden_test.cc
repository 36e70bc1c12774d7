// Golden policy files: each tests/dsl/golden/*.arbiter carries its expected diagnostics inline,
// as `// expect: CODE[, CODE...]` on the line the diagnostic must point at. A file whose
// header has `// schema: FILE` is checked against that schema (found next to it). The runner
// fails on any missing or unexpected diagnostic.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "dsl/frontend.h"

using namespace arbiter::dsl;
namespace fs = std::filesystem;

namespace {

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST_CASE("golden policy files produce exactly their inline expectations", "[golden]") {
  fs::path dir = fs::path(ARBITER_SOURCE_DIR) / "tests/dsl/golden";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".arbiter") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);
  const std::regex expect_re(R"(//\s*expect:\s*([E0-9, ]+))");
  const std::regex schema_re(R"(^//\s*schema:\s*(\S+))");
  for (const fs::path& file : files) {
    std::string text = Read(file);
    std::multiset<std::pair<uint32_t, std::string>> expected;
    FrontendOptions options;
    std::istringstream lines(text);
    std::string line;
    for (uint32_t n = 1; std::getline(lines, line); ++n) {
      std::smatch m;
      if (std::regex_search(line, m, expect_re)) {
        std::stringstream codes(m[1].str());
        std::string code;
        while (std::getline(codes, code, ',')) {
          code.erase(std::remove(code.begin(), code.end(), ' '), code.end());
          if (!code.empty()) expected.insert({n, code});
        }
      }
      if (std::regex_search(line, m, schema_re)) {
        options.schema_path = (file.parent_path() / m[1].str()).string();
      }
    }
    FrontendResult result = LoadPolicyFiles({file.string()}, options);
    std::multiset<std::pair<uint32_t, std::string>> actual;
    std::string report;
    for (const Diagnostic& d : result.diagnostics) {
      actual.insert({d.span.line, d.code});
      report += FormatDiagnostic(d, *result.policies.sources) + "\n";
    }
    INFO(file.filename().string() << "\n" << report);
    for (const auto& [n, code] : expected) {
      INFO("expected " << code << " on line " << n);
      CHECK(actual.count({n, code}) > 0);
    }
    for (const auto& [n, code] : actual) {
      INFO("unexpected " << code << " on line " << n);
      CHECK(expected.count({n, code}) > 0);
    }
  }
}
