#include "tests/engine/hand_bundle.h"

#include <cstring>

#include "common/sha256.h"
#include "engine/builtins.h"
#include "engine/bundle.h"
#include "engine/value_json.h"

namespace arbiter::testing {

std::unique_ptr<engine::Program> OneRuleProgram(std::vector<uint32_t> code, uint32_t num_locals) {
  using engine::Value;
  auto p = std::make_unique<engine::Program>();
  p->constants.push_back(Value::Int(-5));
  Value items[] = {Value::Int(1), Value::Int(2)};
  p->constants.push_back(engine::MakeSet(&p->arena, items, 2));
  p->constants.push_back(Value::Entity(engine::MakeEntityRef(&p->arena, "Group", "g")));
  p->constants.push_back(Value::String(engine::MakeString(&p->arena, "s")));
  p->strings = {"name", "Group"};
  p->pattern_texts = {"a*"};
  p->patterns.push_back(engine::CompileLike("a*", &p->arena));
  p->shapes = {{0, 1}};
  p->code = std::move(code);
  engine::RuleMeta r;
  r.qualified_id = "t.r";
  r.id = "r";
  r.package = "t";
  r.file = "hand.arbiter";
  r.num_locals = num_locals;
  r.code = {0, static_cast<uint32_t>(p->code.size()), 0};
  r.conjuncts.push_back({1, "hand-made"});
  p->rules.push_back(std::move(r));
  return p;
}

std::string BundleOf(const engine::Program& p) { return engine::SerializeProgram(p); }

std::shared_ptr<engine::Program> ProgramOf(const Engine& e) {
  auto p = engine::DeserializeProgram(e.bundle_bytes());
  if (!p.ok()) return nullptr;
  return std::move(p).value();
}

void FixDigest(std::string* bundle) {
  if (bundle->size() < engine::kBundleDigestSize) return;
  size_t body = bundle->size() - engine::kBundleDigestSize;
  Sha256Digest d = Sha256Of(std::string_view(*bundle).substr(0, body));
  std::memcpy(bundle->data() + body, d.data(), d.size());
}

Status LoadDecideDisassemble(const std::string& bundle, const std::string& request_json,
                             const EntityStore& entities) {
  auto engine = Engine::LoadBundle(bundle);
  if (!engine.ok()) return engine.status();
  auto request = Request::FromJson(request_json);
  if (request.ok()) {
    Decision d;
    for (bool explain : {false, true}) {
      DecideOptions options;
      options.explain = explain;
      Status st = engine->Decide(*request, entities, options, &d);
      (void)st;
      (void)d.ToJson();
    }
  }
  (void)engine->Disassemble();
  return Status::Ok();
}

}  // namespace arbiter::testing
