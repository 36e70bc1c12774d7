#include "audit/review_cases.h"

#include <arbiter/engine.h>
#include <fmt/format.h>

#include "ledger/json_fields.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "common/encoding.h"

namespace arbiter::audit {

namespace {

// An Arbiter string literal: the grammar's escapes (dsl/lower.cc, DecodeString).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{{{:x}}}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);
        }
    }
  }
  out += '"';
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// "ai.model_deployment.rule" -> "ai.model_deployment".
std::string PackageOf(const std::string& rule) {
  size_t dot = rule.rfind('.');
  return dot == std::string::npos ? std::string() : rule.substr(0, dot);
}

struct Reviewed {
  uint64_t review_seq = 0;
  std::string author, expected, reason;
};

}  // namespace

Status CheckReviewBody(const nlohmann::json& body) {
  if (!body.is_object()) return Status::InvalidArgument("a review's body must be an object");
  auto expected = body.find("expected");
  if (expected == body.end() || !expected->is_string() ||
      (*expected != "allow" && *expected != "deny")) {
    return Status::InvalidArgument(
        "a review's body.expected must be \"allow\" or \"deny\" (what the decision should have been)");
  }
  auto reason = body.find("reason");
  if (reason == body.end() || !reason->is_string() || reason->get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument("a review's body.reason must say why, as a non-empty string");
  }
  return Status::Ok();
}

Result<std::string> ArbiterConstant(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::boolean:
      return std::string(v.get<bool>() ? "true" : "false");
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return v.dump();
    case nlohmann::json::value_t::number_float: {
      std::string text = v.dump();
      if (text.find_first_of("eE") != std::string::npos) {
        return Status::InvalidArgument("a number with an exponent (" + text + ")");
      }
      if (text.find('.') == std::string::npos) text += ".0";
      return "decimal(" + Quote(text) + ")";
    }
    case nlohmann::json::value_t::string:
      return Quote(v.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        ARBITER_ASSIGN_OR_RETURN(std::string item, ArbiterConstant(v[i]));
        out += (i ? ", " : "") + item;
      }
      return out + "]";
    }
    case nlohmann::json::value_t::object: {
      if (v.size() == 1 && v.contains("__entity") && v["__entity"].is_object()) {
        const auto& e = v["__entity"];
        return ledger::StringMember(e, "type") + "::" + Quote(ledger::StringMember(e, "id"));
      }
      if (v.size() == 1 && v.contains("__extn") && v["__extn"].is_object()) {
        const auto& e = v["__extn"];
        return ledger::StringMember(e, "fn") + "(" + Quote(ledger::StringMember(e, "arg")) + ")";
      }
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : v.items()) {
        ARBITER_ASSIGN_OR_RETURN(std::string item, ArbiterConstant(value));
        out += (first ? " " : ", ") + (IsIdentifier(key) ? key : Quote(key)) + ": " + item;
        first = false;
      }
      return out + (first ? "}" : " }");
    }
    default:
      return Status::InvalidArgument("a null value");
  }
}

Result<CaseReport> WriteReviewCases(const History& history, const CaseOptions& options) {
  CaseReport report;
  // Pass 1: the latest review of each decision.
  std::map<std::string, Reviewed> reviews;
  ARBITER_RETURN_IF_ERROR(history.Scan(history.All(), {"evidence"}, [&](const AuditEntry& e) {
    if (ledger::StringMember(e.payload, "type") != "review") return Status::Ok();
    const auto& body = e.payload.value("body", nlohmann::json::object());
    if (!CheckReviewBody(body).ok()) return Status::Ok();
    ++report.reviews;
    for (const auto& id : e.payload.value("decision_ids", nlohmann::json::array())) {
      if (!id.is_string()) continue;
      reviews[id.get<std::string>()] =
          Reviewed{e.seq, ledger::StringMember(e.payload, "author"), ledger::StringMember(body, "expected"), ledger::StringMember(body, "reason")};
    }
    return Status::Ok();
  }));
  if (reviews.empty()) return report;

  // Pass 2: the reviewed decisions, the data they saw, the bundles that decided them.
  std::map<std::string, std::string> test_files;  // package -> file text
  std::map<std::string, std::string> data_files;  // data digest -> file name
  std::map<std::string, std::string> data_text;   // data digest -> entities JSON
  std::map<std::string, std::string> bundles;     // bundle digest -> base64
  std::set<std::string> needed_data;
  auto skip = [&report](const std::string& why) { ++report.skipped[why]; };
  ARBITER_RETURN_IF_ERROR(history.Scan(history.All(), {"policy", "data", "decision"}, [&](
                                                                                          const AuditEntry& e) {
    if (e.kind == "policy") {
      bundles.try_emplace(ledger::StringMember(e.payload, "bundle"), ledger::StringMember(e.payload, "bundle_base64"));
      return Status::Ok();
    }
    if (e.kind == "data") {
      data_text.try_emplace(ledger::StringMember(e.payload, "data"),
                            e.payload.value("entities", nlohmann::json::array()).dump(2));
      return Status::Ok();
    }
    const std::string id = ledger::StringMember(e.payload, "decision_id");
    auto review = reviews.find(id);
    if (review == reviews.end()) return Status::Ok();
    if (!options.control.empty()) {
      auto controls = e.payload.value("controls", nlohmann::json::array());
      if (std::find(controls.begin(), controls.end(), options.control) == controls.end()) {
        return Status::Ok();
      }
    }
    auto request = e.payload.find("request");
    if (request == e.payload.end() || !request->is_object()) {
      skip("its request is not recorded in full");
      return Status::Ok();
    }
    auto constant = ArbiterConstant(*request);
    if (!constant.ok()) {
      skip("its request holds what a test cannot: " + constant.status().message());
      return Status::Ok();
    }
    const std::string data = ledger::StringMember(e.payload, "data");
    if (!data.empty() && !data_text.count(data)) {
      skip("its entity data is not recorded");
      return Status::Ok();
    }
    // The package: of a rule that decided, else of the first rule of its bundle.
    std::string package;
    for (const auto& r : e.payload.value("reasons", nlohmann::json::array())) {
      package = PackageOf(ledger::StringMember(r, "rule"));
      if (!package.empty()) break;
    }
    if (package.empty()) {
      auto bytes = Base64Decode(bundles[ledger::StringMember(e.payload, "bundle")]);
      if (bytes) {
        auto engine = Engine::LoadBundle(
            std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
        if (engine.ok() && !engine->rules().empty()) package = PackageOf(engine->rules()[0].id);
      }
    }
    if (package.empty()) {
      skip("no package is known for it (no rule decided and its bundle is not recorded)");
      return Status::Ok();
    }
    const Reviewed& r = review->second;
    const std::string recorded = ledger::StringMember(e.payload, "decision");
    std::string name = "review_" + id;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    std::string& file = test_files[package];
    if (file.empty()) {
      file = fmt::format(
          "// Test cases from reviews recorded in the audit ledger (arbiter audit cases): each\n"
          "// is a recorded request with the data version it saw, and the decision a reviewer\n"
          "// says it should have had.\npackage {};\n",
          package);
    }
    std::string reason = r.reason;
    for (char& c : reason) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    file += fmt::format("\n// Decision {} (seq {}, {}) was {}; {} reviewed it (seq {}): {}\n", id,
                        e.seq, e.time, recorded, r.author, r.review_seq, reason);
    file += "test " + name + " {\n";
    if (!data.empty()) {
      auto [it, added] = data_files.try_emplace(data, "data-" + data.substr(7, 16) + ".json");
      file += "  data " + Quote(it->second) + "\n";
    }
    file += "  request " + *constant + "\n";
    file += "  expect " + r.expected + "\n}\n";
    ++report.cases;
    if (r.expected != recorded) ++report.disagreeing;
    return Status::Ok();
  }));

  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", options.out_dir, ec.message()));
  auto write = [&](const std::string& name, const std::string& text) -> Status {
    std::string path = (std::filesystem::path(options.out_dir) / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Status::IOError("cannot write " + path);
    report.files.push_back(path);
    return Status::Ok();
  };
  for (const auto& [package, text] : test_files) {
    std::string stem = package;
    for (char& c : stem) {
      if (c == '.') c = '_';
    }
    ARBITER_RETURN_IF_ERROR(write(stem + "_reviews_test.arbiter", text));
  }
  for (const auto& [digest, name] : data_files) {
    ARBITER_RETURN_IF_ERROR(write(name, data_text[digest] + "\n"));
  }
  return report;
}

}  // namespace arbiter::audit
