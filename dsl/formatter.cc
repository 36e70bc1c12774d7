#include "dsl/frontend.h"

namespace arbiter::dsl {

Result<std::string> FormatSource(std::string_view text, std::string_view) {
  return std::string(text);
}

}  // namespace arbiter::dsl
