// The disassembler, driven entirely by the operand layouts in opcodes.def. It shows only code
// the verifier proved (Program::verified_starts), so a bundle's bytes cannot make it misread.
#include <cstdio>

#include "engine/builtins.h"
#include "engine/compiler.h"
#include "engine/opcodes.h"

namespace arbiter::engine {
namespace {

// Only the instructions the verifier reached: other words were never checked, and their
// operands may index nothing.
void Range(const Program& p, const CodeRange& range, std::string* out) {
  for (uint32_t pc = range.begin; pc < range.end;) {
    if (pc >= p.verified_starts.size() || !p.verified_starts[pc]) {
      uint32_t skipped = 0;
      for (; pc < range.end && (pc >= p.verified_starts.size() || !p.verified_starts[pc]); ++pc) {
        ++skipped;
      }
      *out += "  ; " + std::to_string(skipped) + " words not reached (not verified, not shown)\n";
      continue;
    }
    Op op = static_cast<Op>(p.code[pc]);
    const OpInfo& info = InfoOf(op);
    const uint32_t* a = &p.code[pc + 1];
    char head[48];
    std::snprintf(head, sizeof head, "  %5u  %-12s", pc, std::string(info.name).c_str());
    std::string line = head;
    switch (info.operands) {
      case Operands::NONE: break;
      case Operands::CONST: line += "#" + std::to_string(a[0]) + "  " + ValueToDisplay(p.constants[a[0]]); break;
      case Operands::SYM: line += "\"" + p.strings[a[0]] + "\""; break;
      case Operands::SLOT:
      case Operands::SLOT_CONST: {
        static const char* kVars[] = {"subject", "action", "resource", "context"};
        line += a[0] < 4 ? kVars[a[0]] : "local" + std::to_string(a[0] - 4);
        if (info.operands == Operands::SLOT_CONST) {
          line += ", #" + std::to_string(a[1]) + "  " + ValueToDisplay(p.constants[a[1]]);
        }
        break;
      }
      case Operands::JUMP: line += "-> " + std::to_string(a[0]); break;
      case Operands::COUNT: line += std::to_string(a[0]); break;
      case Operands::SHAPE: {
        line += "{";
        for (size_t k = 0; k < p.shapes[a[0]].size(); ++k) {
          if (k) line += ", ";
          line += p.strings[p.shapes[a[0]][k]];
        }
        line += "}";
        break;
      }
      case Operands::FN: line += std::string(FnName(static_cast<Fn>(a[0]))) + "()"; break;
      case Operands::METHOD:
        line += "." + std::string(MethodName(static_cast<Method>(a[0]))) + "/" + std::to_string(a[1]);
        break;
      case Operands::SLOT_JUMP: line += "local" + std::to_string(a[0] - 4) + ", -> " + std::to_string(a[1]); break;
      case Operands::PATTERN: line += "\"" + p.pattern_texts[a[0]] + "\""; break;
      case Operands::CONJ: line += std::to_string(a[0]); break;
    }
    *out += line + "\n";
    pc += 1 + OperandWords(info.operands);
  }
}

}  // namespace

std::string DisassembleProgram(const Program& p) {
  std::string out = "; bundle " + p.digest + "\n; " + std::to_string(p.rules.size()) +
                    " rules, " + std::to_string(p.constants.size()) + " constants, " +
                    std::to_string(p.code.size()) + " code words\n";
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const RuleMeta& r = p.rules[i];
    out += "\nrule " + r.qualified_id + " (" + (r.effect == RuleEffect::kPermit ? "permit" : "forbid") +
           (r.fail_closed ? ", fail_closed" : "") + ")  " + r.file + ":" + std::to_string(r.line) + "\n";
    const IndexKey& k = r.index_key;
    out += "  ; index: action=" + (k.action.empty() ? "*" : k.action) +
           " subject=" + (k.subject_type.empty() ? "*" : k.subject_type) +
           " resource=" + (k.resource_type.empty() ? "*" : k.resource_type);
    if (k.attr_var >= 0) {
      static const char* kVars[] = {"subject", "action", "resource", "context"};
      out += " " + std::string(kVars[k.attr_var]) + "." + k.attr_name + "==#" + std::to_string(k.attr_const);
    }
    if (k.covered > 0) {
      out += "; covers " + std::to_string(k.covered) + ", fast entry " + std::to_string(r.fast_entry);
    }
    out += "\n";
    for (size_t c = 0; c < r.conjuncts.size(); ++c) {
      out += "  ; [" + std::to_string(c) + "] line " + std::to_string(r.conjuncts[c].line) + ": " +
             r.conjuncts[c].text + "\n";
    }
    Range(p, r.code, &out);
    for (const ObligationMeta& o : r.obligations) {
      out += "  ; " + std::string(o.advice ? "advice " : "obligation ") + o.name + "\n";
      if (o.has_payload) Range(p, o.code, &out);
    }
  }
  return out;
}

}  // namespace arbiter::engine
