// Lowering: CstFile -> Rules and TestCases of the checked AST (dsl/ast.h). Resolves
// variables to slots, folds `unless` into the condition, qualifies ids with the package,
// decodes literals, and checks what one file can check on its own: clause order, literal
// ranges and escapes, unknown variables, functions and methods, and arity.
#pragma once

#include <string>
#include <string_view>

#include "dsl/ast.h"
#include "dsl/cst.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {

void LowerFile(const CstFile& cst, std::string_view text, DiagnosticSink& sink, PolicySet* out);

// Decodes the escapes of a string literal's raw content. In a `like` pattern (`for_like`),
// `\*` stays `\*` (a literal star), so the result is the glob as ast.h describes it. On a
// bad escape, returns false with its offset in `raw`.
bool DecodeString(std::string_view raw, bool for_like, std::string* out, size_t* bad_at);

}  // namespace arbiter::dsl
