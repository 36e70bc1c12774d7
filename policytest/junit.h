// `arbiter test --junit FILE`: the run as JUnit XML, the report format CI systems read
// (spec/testing.md, "JUnit XML"). Built as text; no XML library is needed to write it.
#pragma once

#include <string>
#include <string_view>

#include "policytest/runner.h"

namespace arbiter::policytest {

// `text` with & < > " ' and tab, newline, carriage return as character references (so they
// survive in attributes) and the other C0 control characters, which XML 1.0 cannot carry at
// all, as U+FFFD: any test name or message is well-formed inside an attribute or element.
std::string XmlEscape(std::string_view text);

// <testsuites> with one <testsuite name=PACK> per pack, in pack order, and one
// <testcase classname=PACK name=TEST file=FILE line=LINE> per test that ran; a failing test
// holds <failure message=DETAIL>, a pack that does not compile one <testcase name="compile">
// holding <error> with its diagnostics.
std::string ReportToJUnit(const RunReport& report);

}  // namespace arbiter::policytest
