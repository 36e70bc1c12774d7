// The rule index: a request runs only the rules that can match it. Keys come from the leading
// top-level conjuncts of a rule's condition that cannot raise an error: `action == Action::"x"`,
// `subject is T` / `resource is T` (or `== T::"id"`), and one `VAR.attr == literal`.
// The index is conservative: it may hand out a rule that then evaluates to false, never hide a
// rule that would match or raise an error (when the indexed attribute is missing, every rule of
// that attribute group runs, so its error is reported).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <arbiter/status.h>

#include "engine/builtins.h"
#include "engine/value.h"

namespace arbiter::engine {

struct RequestImpl;

struct IndexKey {
  std::string action;         // "" = any
  std::string subject_type;   // "" = any
  std::string resource_type;  // "" = any
  int32_t attr_var = -1;      // request slot (subject, action, resource, context) or -1
  std::string attr_name;
  int32_t attr_const = -1;    // constant pool index of the literal
  // How many leading conjuncts of the condition are implied when action, subject_type and
  // resource_type match the request exactly: such a rule starts at RuleMeta::fast_entry.
  uint32_t covered = 0;
};

// Checks a key read from a bundle before the index uses it: attr_var is -1 (no attribute key,
// then attr_const is -1 and attr_name empty) or a request variable (subject, action, resource,
// context), and then attr_const is the index of a constant the index can hash (bool, int,
// string, entity, decimal, datetime, duration). Corruption says what is wrong.
Status CheckIndexKey(const IndexKey& key, const std::vector<Value>& constants);

class RuleIndex {
 public:
  // Every key must have passed CheckIndexKey against `constants` (FinishProgram checks them).
  void Build(const std::vector<IndexKey>& keys, const std::vector<Value>& constants);
  // Appends to *out, in ascending order, (rule index << 1) | verified for the rules the request
  // may match. `verified` means the rule's action/type keys equal the request's exactly, so
  // its covered conjuncts are known true. `vars` are the request's resolved variables.
  void Candidates(const RequestImpl& request, const EvalContext& ctx, const Value* vars,
                  std::vector<uint32_t>* out) const;
  size_t num_buckets() const { return buckets_.size(); }

 private:
  struct AttrGroup {
    int32_t var;
    std::string name;
    std::unordered_map<uint64_t, std::vector<uint32_t>> by_value;
    std::vector<uint32_t> all;
  };
  struct Bucket {
    std::string action, subject_type, resource_type;  // the exact key ("" = any)
    std::vector<uint32_t> rules;
    std::vector<AttrGroup> groups;
  };
  static uint64_t Combine(uint64_t a, uint64_t s, uint64_t r);

  // Open addressing (power-of-two size, linear probing) from bucket key to buckets_ index:
  // a lookup is a multiply, a mask and usually one probe.
  std::vector<Bucket> buckets_;
  std::vector<std::pair<uint64_t, uint32_t>> table_;  // (key, index + 1); 0 = empty
  bool uses_action_ = false, uses_subject_ = false, uses_resource_ = false;
};

// The attribute `name` of an entity or record value without raising an error: null when
// missing (or when the entity does not exist).
const Value* FindAttr(const EvalContext& ctx, const Value& obj, std::string_view name);

}  // namespace arbiter::engine
