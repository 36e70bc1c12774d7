// The type checker: infers a static type for every expression (through let, quantifiers and
// if) and reports clashes that need no schema (comparing a String with a Long literal, `!` on
// a number, a method on the wrong kind of value, a malformed extension literal) and, given a
// schema, unknown entity types, attributes and actions, attribute type mismatches and rules
// whose action cannot apply to the entity types they test.
#pragma once

#include <vector>

#include "dsl/ast.h"
#include "dsl/frontend.h"
#include "dsl/schema.h"

namespace arbiter::dsl {

void CheckTypes(const PolicySet& policies, const Schema* schema,
                std::vector<Diagnostic>* diagnostics);

}  // namespace arbiter::dsl
