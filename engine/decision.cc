#include <arbiter/decision.h>

#include "engine/value_json.h"

namespace arbiter {

void Decision::Clear() {
  allow = false;
  fail_closed = false;
  reasons.clear();
  obligations.clear();
  errors.clear();
  matched.clear();
  bundle = {};
  explained = false;
  explain.clear();
}

std::string Decision::ToJson() const {
  std::string out;
  AppendJson(&out);
  return out;
}

void Decision::AppendJson(std::string* out) const {
  using engine::AppendJsonString;
  *out += allow ? "{\"decision\":\"allow\",\"reasons\":[" : "{\"decision\":\"deny\",\"reasons\":[";
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (i) *out += ',';
    *out += "{\"rule\":";
    AppendJsonString(out, reasons[i].rule);
    *out += ",\"message\":";
    AppendJsonString(out, reasons[i].message);
    *out += '}';
  }
  *out += "],\"obligations\":[";
  for (size_t i = 0; i < obligations.size(); ++i) {
    const DecisionObligation& o = obligations[i];
    if (i) *out += ',';
    *out += "{\"name\":";
    AppendJsonString(out, o.name);
    *out += ",\"rule\":";
    AppendJsonString(out, o.rule);
    *out += o.advice ? ",\"advice\":true,\"payload\":" : ",\"advice\":false,\"payload\":";
    *out += o.payload_json.empty() ? "null" : o.payload_json;
    *out += '}';
  }
  *out += "],\"errors\":[";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) *out += ',';
    *out += "{\"rule\":";
    AppendJsonString(out, errors[i].rule);
    *out += ",\"message\":";
    AppendJsonString(out, errors[i].message);
    *out += '}';
  }
  *out += "],\"bundle\":";
  AppendJsonString(out, bundle);
  if (fail_closed) *out += ",\"fail_closed\":true";
  if (explained) {
    *out += ",\"explain\":[";
    for (size_t i = 0; i < explain.size(); ++i) {
      const ExplainStep& s = explain[i];
      if (i) *out += ',';
      *out += "{\"rule\":";
      AppendJsonString(out, s.rule);
      *out += ",\"effect\":";
      AppendJsonString(out, s.effect);
      *out += ",\"outcome\":";
      AppendJsonString(out, s.outcome);
      *out += ",\"detail\":";
      AppendJsonString(out, s.detail);
      *out += ",\"file\":";
      AppendJsonString(out, s.file);
      *out += ",\"line\":" + std::to_string(s.line) + "}";
    }
    *out += ']';
  }
  *out += '}';
}

}  // namespace arbiter
