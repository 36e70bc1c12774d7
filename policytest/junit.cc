#include "policytest/junit.h"

#include <map>
#include <vector>

#include "policytest/report.h"

namespace arbiter::policytest {
namespace {

// ` NAME="VALUE"`, escaped, appended to `out`. (Built by appending: GCC 12 warns falsely on
// some concatenations of short literals, bug 105329.)
void Attr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out.append(name);
  out += "=\"";
  out += XmlEscape(value);
  out += '"';
}

void Attr(std::string& out, std::string_view name, size_t value) {
  Attr(out, name, std::to_string(value));
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to write these
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string ReportToJUnit(const RunReport& report) {
  std::map<std::string, std::vector<const TestResult*>> by_pack;
  for (const TestResult& test : report.tests) by_pack[test.pack].push_back(&test);

  std::string suites;
  size_t total = 0;
  size_t failures = 0;
  size_t errors = 0;
  for (const PackResult& pack : report.packs) {
    const std::vector<const TestResult*>& tests = by_pack[pack.pack];
    size_t pack_failures = 0;
    std::string cases;
    for (const TestResult* test : tests) {
      cases += "    <testcase";
      Attr(cases, "classname", pack.pack);
      Attr(cases, "name", test->name);
      Attr(cases, "file", test->file);
      Attr(cases, "line", test->line);
      if (test->passed()) {
        cases += "/>\n";
        continue;
      }
      ++pack_failures;
      std::string detail = FailureDetail(*test);
      std::string body = detail;
      if (test->got) {
        for (const std::string& error : test->got->errors) {
          body += "\nerror: ";
          body += error;
        }
      }
      cases += ">\n      <failure";
      Attr(cases, "message", detail);
      cases += '>';
      cases += XmlEscape(body);
      cases += "</failure>\n    </testcase>\n";
    }
    size_t pack_errors = 0;
    if (!pack.ok) {
      pack_errors = 1;
      cases += "    <testcase";
      Attr(cases, "classname", pack.pack);
      Attr(cases, "name", "compile");
      cases += ">\n      <error";
      Attr(cases, "message", "the pack does not compile; its tests did not run");
      cases += '>';
      cases += XmlEscape(pack.diagnostics_text);
      cases += "</error>\n    </testcase>\n";
    }
    size_t pack_tests = tests.size() + pack_errors;
    suites += "  <testsuite";
    Attr(suites, "name", pack.pack);
    Attr(suites, "tests", pack_tests);
    Attr(suites, "failures", pack_failures);
    Attr(suites, "errors", pack_errors);
    suites += ">\n";
    suites += cases;
    suites += "  </testsuite>\n";
    total += pack_tests;
    failures += pack_failures;
    errors += pack_errors;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  Attr(out, "name", "arbiter test");
  Attr(out, "tests", total);
  Attr(out, "failures", failures);
  Attr(out, "errors", errors);
  out += ">\n";
  out += suites;
  out += "</testsuites>\n";
  return out;
}

}  // namespace arbiter::policytest
