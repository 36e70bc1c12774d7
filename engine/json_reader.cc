#include "engine/json_reader.h"

#include "common/json_string.h"
#include "common/utf8.h"

namespace arbiter::engine {

const JsonNode* JsonNode::Get(std::string_view key) const {
  for (size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

std::string_view JsonNode::TypeName() const {
  static constexpr std::string_view kNames[] = {"null",   "boolean", "number",
                                                "string", "array",   "object"};
  return kNames[type];
}

std::string JsonPosition(std::string_view file, std::string_view text, uint32_t offset) {
  uint32_t line = 1, col = 1;
  for (uint32_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(col);
}

namespace {

class Reader {
 public:
  Reader(std::string_view text, std::string_view file) : s_(text), file_(file) {}

  Status Document(JsonNode* out) {
    SkipSpace();
    ARBITER_RETURN_IF_ERROR(ParseValue(out, 0));
    SkipSpace();
    if (i_ != s_.size()) return Error("unexpected text after the JSON value");
    return Status::Ok();
  }

 private:
  Status Error(std::string_view what) {
    return Status::InvalidArgument(JsonPosition(file_, s_, static_cast<uint32_t>(i_)) +
                                   ": invalid JSON: " + std::string(what));
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Status ParseValue(JsonNode* out, int depth) {
    if (depth > 128) return Error("nested too deeply");
    if (i_ >= s_.size()) return Error("unexpected end of input");
    out->offset = static_cast<uint32_t>(i_);
    char c = s_[i_];
    switch (c) {
      case '{': return ParseObject(out, depth);
      case '[': return ParseArray(out, depth);
      case '"': out->type = JsonNode::kString; return ParseString(&out->text);
      case 't':
      case 'f':
      case 'n':
        if (Literal("true")) {
          out->type = JsonNode::kBool;
          out->boolean = true;
        } else if (Literal("false")) {
          out->type = JsonNode::kBool;
        } else if (Literal("null")) {
          out->type = JsonNode::kNull;
        } else {
          return Error("unexpected character");
        }
        return Status::Ok();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return Error("unexpected character");
    }
  }

  Status ParseNumber(JsonNode* out) {
    size_t start = i_;
    auto digits = [&] {
      size_t d = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - d;
    };
    if (s_[i_] == '-') ++i_;
    size_t int_start = i_;
    size_t n = digits();
    if (n == 0) return Error("a number needs digits");
    if (n > 1 && s_[int_start] == '0') return Error("a number may not start with 0");
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return Error("a fraction needs digits");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return Error("an exponent needs digits");
    }
    out->type = JsonNode::kNumber;
    out->text.assign(s_.substr(start, i_ - start));
    return Status::Ok();
  }

  bool Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    *out = v;
    return true;
  }

  Status ParseString(std::string* out) {
    ++i_;  // opening quote
    out->clear();
    while (true) {
      size_t plain = PlainJsonRun(s_.substr(i_));  // copied in one piece
      out->append(s_.data() + i_, plain);
      i_ += plain;
      if (i_ >= s_.size()) return Error("unterminated string");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return Status::Ok();
      }
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        *out += c;
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= s_.size()) return Error("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return Error("bad \\u escape");
          if (cp >= 0xd800 && cp < 0xdc00) {
            uint32_t lo;
            if (!Literal("\\u") || !Hex4(&lo) || lo < 0xdc00 || lo > 0xdfff) {
              return Error("unpaired surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return Error("unpaired surrogate in \\u escape");
          }
          AppendUtf8(out, cp);
          break;
        }
        default: --i_; return Error("bad escape in string");
      }
    }
  }

  Status ParseArray(JsonNode* out, int depth) {
    out->type = JsonNode::kArray;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return Status::Ok();
    }
    out->items.reserve(4);  // most request arrays and objects are small: one allocation
    while (true) {
      SkipSpace();
      out->items.emplace_back();
      ARBITER_RETURN_IF_ERROR(ParseValue(&out->items.back(), depth + 1));
      SkipSpace();
      if (i_ >= s_.size()) return Error("unterminated array");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return Status::Ok();
      }
      return Error("expected ',' or ']'");
    }
  }

  Status ParseObject(JsonNode* out, int depth) {
    out->type = JsonNode::kObject;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return Status::Ok();
    }
    out->items.reserve(4);
    out->keys.reserve(4);
    out->key_offsets.reserve(4);
    while (true) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return Error("expected a string key");
      out->key_offsets.push_back(static_cast<uint32_t>(i_));
      out->keys.emplace_back();
      ARBITER_RETURN_IF_ERROR(ParseString(&out->keys.back()));
      for (size_t k = 0; k + 1 < out->keys.size(); ++k) {
        if (out->keys[k] == out->keys.back()) {
          i_ = out->key_offsets.back();
          return Error("duplicate key \"" + out->keys.back() + "\"");
        }
      }
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return Error("expected ':'");
      ++i_;
      SkipSpace();
      out->items.emplace_back();
      ARBITER_RETURN_IF_ERROR(ParseValue(&out->items.back(), depth + 1));
      SkipSpace();
      if (i_ >= s_.size()) return Error("unterminated object");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return Status::Ok();
      }
      return Error("expected ',' or '}'");
    }
  }

  std::string_view s_;
  std::string_view file_;
  size_t i_ = 0;
};

}  // namespace

Result<JsonNode> ParseJson(std::string_view text, std::string_view file) {
  JsonNode root;
  Reader reader(text, file);
  ARBITER_RETURN_IF_ERROR(reader.Document(&root));
  return root;
}

}  // namespace arbiter::engine
