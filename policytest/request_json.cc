#include "policytest/request_json.h"

#include <limits>
#include <string>

namespace arbiter::policytest {
namespace {

using nlohmann::json;

Status NotConstant(const dsl::Expr& expr, const std::string& what) {
  return Status::InvalidArgument("line " + std::to_string(expr.span.line) + ", column " +
                                 std::to_string(expr.span.column) + ": " + what +
                                 " is not allowed in a test request (it must be a constant)");
}

json Extension(const std::string& fn, const std::string& arg) {
  return json{{"__extn", json{{"fn", fn}, {"arg", arg}}}};
}

bool IsExtensionFunction(const std::string& name) {
  return name == "ip" || name == "decimal" || name == "datetime" || name == "duration";
}

}  // namespace

Result<json> ConstantToJson(const dsl::Expr& expr) {
  using dsl::ExprKind;
  switch (expr.kind) {
    case ExprKind::kBool:
      return json(expr.bool_value);
    case ExprKind::kInt:
      return json(expr.int_value);
    case ExprKind::kString:
      return json(expr.text);
    case ExprKind::kDecimal:
      return Extension("decimal", expr.text);
    case ExprKind::kEntity:
      return json{{"__entity", json{{"type", expr.type_name}, {"id", expr.text}}}};
    case ExprKind::kSet: {
      json out = json::array();
      for (const auto& item : expr.args) {
        ARBITER_ASSIGN_OR_RETURN(json value, ConstantToJson(*item));
        out.push_back(std::move(value));
      }
      return out;
    }
    case ExprKind::kRecord: {
      json out = json::object();
      for (size_t i = 0; i < expr.args.size() && i < expr.keys.size(); ++i) {
        ARBITER_ASSIGN_OR_RETURN(json value, ConstantToJson(*expr.args[i]));
        out[expr.keys[i]] = std::move(value);
      }
      return out;
    }
    case ExprKind::kCall:
      if (IsExtensionFunction(expr.name) && expr.args.size() == 1 &&
          expr.args[0]->kind == ExprKind::kString) {
        return Extension(expr.name, expr.args[0]->text);
      }
      return NotConstant(expr, "a call of " + expr.name + " on anything but a string literal");
    case ExprKind::kUnary:
      if (expr.unary_op == dsl::UnaryOp::kNeg && expr.args.size() == 1) {
        const dsl::Expr& operand = *expr.args[0];
        if (operand.kind == ExprKind::kInt &&
            operand.int_value != std::numeric_limits<int64_t>::min()) {
          return json(-operand.int_value);
        }
        if (operand.kind == ExprKind::kDecimal) return Extension("decimal", "-" + operand.text);
      }
      return NotConstant(expr, "an operator");
    case ExprKind::kVar:
      return NotConstant(expr, "the variable " + expr.name);
    default:
      return NotConstant(expr, "an expression");
  }
}

}  // namespace arbiter::policytest
