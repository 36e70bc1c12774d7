#include "engine/decide.h"

#include <vector>

#include "dsl/ast.h"
#include "engine/arena.h"
#include "engine/value_json.h"
#include "engine/vm.h"

namespace arbiter::engine {
namespace {

// Per-thread working memory, reused by every decision on the thread: after the first few
// decisions nothing here allocates.
struct Scratch {
  Arena arena;
  std::vector<Value> stack;
  std::vector<Value> vars;
  std::vector<uint32_t> candidates;
  std::vector<uint32_t> permits;
  std::vector<uint32_t> forbids;
  std::vector<uint8_t> considered;
  EvalError error;
};

thread_local bool t_switch_dispatch = false;

bool Run(const Program& p, uint32_t entry, const EvalContext& ctx, Value* vars, Value* stack,
         Value* result, uint32_t* mark) {
  return t_switch_dispatch ? ExecuteSwitch(p, entry, ctx, vars, stack, result, mark)
                           : Execute(p, entry, ctx, vars, stack, result, mark);
}

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

const EntityObj* ResolveRequestEntity(Arena* arena, const StoreImpl& store, const EntityObj& e) {
  return arena->New<EntityObj>(EntityObj{e.type, e.id, e.hash, store.Find(e.type, e.id, e.hash),
                                         e.properties, true});
}

std::string_view EffectName(RuleEffect e) { return e == RuleEffect::kPermit ? "permit" : "forbid"; }

}  // namespace

void UseSwitchDispatchForTesting(bool on) { t_switch_dispatch = on; }

void DecideProgram(const Program& p, const RequestImpl& request, const StoreImpl& store,
                   const DecideOptions& options, Decision* out) {
  const bool explain = options.explain;
  Scratch& s = ThreadScratch();
  s.arena.Reset();
  out->allow = false;
  out->reasons.clear();
  out->obligations.clear();
  out->errors.clear();
  out->matched.clear();
  out->explain.clear();
  out->explained = explain;
  out->bundle = p.digest;

  size_t num_vars = dsl::kFirstLocalSlot + p.max_locals;
  if (s.vars.size() < num_vars) s.vars.resize(num_vars);
  if (s.stack.size() < p.max_stack + 1) s.stack.resize(p.max_stack + 1);
  Value* vars = s.vars.data();
  vars[dsl::kSubject] = Value::Entity(ResolveRequestEntity(&s.arena, store, *request.subject));
  vars[dsl::kAction] = Value::Entity(ResolveRequestEntity(&s.arena, store, *request.action));
  vars[dsl::kResource] = Value::Entity(ResolveRequestEntity(&s.arena, store, *request.resource));
  vars[dsl::kContext] = request.context;

  Budget budget = MakeBudget(options.budget);
  EvalContext ctx{&store, &s.arena, &s.error, &budget};
  s.candidates.clear();
  p.index.Candidates(request, ctx, vars, &s.candidates);
  s.permits.clear();
  s.forbids.clear();
  size_t forbids_matched = 0;  // forbids whose condition held (not failed closed)
  if (explain) s.considered.assign(p.rules.size(), 0);

  for (uint32_t candidate : s.candidates) {
    uint32_t idx = candidate >> 1;
    const RuleMeta& rule = p.rules[idx];
    Value result;
    uint32_t mark = 0;
    uint32_t entry = (candidate & 1) ? rule.fast_entry : rule.code.begin;
    bool ok = Run(p, entry, ctx, vars, s.stack.data(), &result, &mark);
    if (ok && result.kind != Kind::kBool) ok = CheckBool(ctx, result);
    if (explain) s.considered[idx] = 1;
    if (!ok) {
      out->errors.push_back(DecisionError{rule.qualified_id, s.error.message});
      if (rule.effect == RuleEffect::kForbid && rule.fail_closed) s.forbids.push_back(idx);
      if (explain) {
        out->explain.push_back(ExplainStep{rule.qualified_id, EffectName(rule.effect), "error",
                                           s.error.message, rule.file, rule.line});
      }
      continue;
    }
    if (result.b) {
      out->matched.push_back(rule.qualified_id);
      (rule.effect == RuleEffect::kPermit ? s.permits : s.forbids).push_back(idx);
      if (rule.effect == RuleEffect::kForbid) ++forbids_matched;
    }
    if (explain) {
      std::string detail;
      if (!result.b && mark < rule.conjuncts.size()) {
        detail = "`" + rule.conjuncts[mark].text + "` (line " +
                 std::to_string(rule.conjuncts[mark].line) + ") did not hold";
      } else if (result.b) {
        detail = "every condition held";
      }
      out->explain.push_back(ExplainStep{rule.qualified_id, EffectName(rule.effect),
                                         result.b ? "matched" : "not_matched", std::move(detail),
                                         rule.file, rule.line});
    }
  }
  if (explain) {
    for (uint32_t i = 0; i < p.rules.size(); ++i) {
      if (s.considered[i]) continue;
      const RuleMeta& rule = p.rules[i];
      out->explain.push_back(ExplainStep{
          rule.qualified_id, EffectName(rule.effect), "skipped",
          "the rule index ruled it out (its action, entity types or indexed attribute differ)",
          rule.file, rule.line});
    }
  }

  const std::vector<uint32_t>& determining = s.forbids.empty() ? s.permits : s.forbids;
  out->allow = s.forbids.empty() && !s.permits.empty();
  out->fail_closed = !s.forbids.empty() && forbids_matched == 0;
  for (uint32_t idx : determining) {
    const RuleMeta& rule = p.rules[idx];
    out->reasons.push_back(
        DecisionReason{rule.qualified_id, rule.reason ? std::string_view(*rule.reason) : ""});
    for (const ObligationMeta& o : rule.obligations) {
      DecisionObligation ob{o.name, rule.qualified_id, o.advice, "null"};
      if (o.constant) {
        ob.payload_json = *o.constant;
      } else if (o.has_payload) {
        Value payload;
        uint32_t mark = 0;
        if (Run(p, o.code.begin, ctx, vars, s.stack.data(), &payload, &mark)) {
          ob.payload_json.clear();
          AppendValueJson(&ob.payload_json, payload);
        } else {
          out->errors.push_back(
              DecisionError{rule.qualified_id, "obligation " + o.name + ": " + s.error.message});
        }
      }
      out->obligations.push_back(std::move(ob));
    }
  }
}

}  // namespace arbiter::engine
