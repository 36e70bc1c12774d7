// One decision as an auditor reads it (`arbiter audit show --decision-id`): the entry, the
// controls it falls under, the evidence entries that name it, the activation of the policy
// that decided it and the data version it saw.
#pragma once

#include <arbiter/status.h>

#include <nlohmann/json.hpp>

#include <string_view>

#include "audit/history.h"

namespace arbiter::audit {

// {"decision": <entry as `audit show` prints it>, "controls": [...],
//  "evidence": [<entry>, ...] (seq order),
//  "policy": {"seq","time","activated_by","reason","bundle","sources":[{"path","digest"}]}|null,
//  "data": {"seq","digest","entities":N}|null}
// NotFound when no decision has this id. Evidence and the activation are found by scanning
// the history (one pass).
Result<nlohmann::json> DescribeDecision(const History& history, std::string_view decision_id);

}  // namespace arbiter::audit
