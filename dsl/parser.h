// The policy grammar (Boost.Spirit X3): text -> CstFile. spec/language.md has the EBNF.
#pragma once

#include <string_view>

#include "dsl/cst.h"
#include "dsl/source_text.h"

namespace arbiter::dsl {

// Parses a policy file whose bytes passed ScanLexical. A declaration that fails to parse is
// reported (E0110, or E0502 when nested too deeply) and skipped: parsing resumes at the next
// line that starts a declaration, so one run reports every broken declaration.
void ParsePolicyText(std::string_view text, CstFile* file, DiagnosticSink& sink);

// True for the words the grammar reserves (they cannot name variables, rules or tests).
bool IsReservedWord(std::string_view word);

}  // namespace arbiter::dsl
