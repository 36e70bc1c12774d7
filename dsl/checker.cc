#include "dsl/checker.h"

namespace arbiter::dsl {

void CheckTypes(const PolicySet&, const Schema*, std::vector<Diagnostic>*) {}

}  // namespace arbiter::dsl
