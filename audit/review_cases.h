// Corrections from the people who know (spec/audit.md, "Reviews and test cases"): a reviewer
// records, as `review` evidence on a decision, what it should have been and why; `arbiter
// audit cases` turns reviewed decisions into `arbiter test` cases (the recorded request, the
// data version it saw, the reviewer's expected decision), so the correction becomes a
// regression test the policy must pass before its next activation.
#pragma once

#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "audit/history.h"

namespace arbiter::audit {

// The body of a `review` evidence entry: {"expected": "allow"|"deny", "reason": "<why>", ...}
// (other members are kept). InvalidArgument naming the member at fault otherwise.
Status CheckReviewBody(const nlohmann::json& body);

struct CaseOptions {
  std::string out_dir;  // created if missing; files in it are overwritten
  std::string control;  // only decisions that fall under this control (empty: all)
};

struct CaseReport {
  size_t reviews = 0;      // review entries found (the latest per decision counts)
  size_t cases = 0;        // test cases written
  size_t disagreeing = 0;  // of them, reviews that expect another decision than recorded
  std::vector<std::string> files;           // written, test files first
  std::map<std::string, size_t> skipped;    // reviewed decisions not written, by reason
};

// Writes DIR/<package>_reviews_test.arbiter (one per package; a test per reviewed decision,
// named review_<decision id>) and DIR/data-<digest prefix>.json for each data version used.
// Copy them into the pack (or run `arbiter test PACK DIR` after copying the pack's policies).
Result<CaseReport> WriteReviewCases(const History& history, const CaseOptions& options);

// The Arbiter constant a JSON request value is written as in a test (spec/testing.md):
// entities as Type::"id", extension values as fn("arg"), non-integer numbers as decimals.
// InvalidArgument for what a test request cannot hold (null, exponent numbers).
Result<std::string> ArbiterConstant(const nlohmann::json& value);

}  // namespace arbiter::audit
