#include "engine/json_reader.h"

#include <algorithm>

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

// Objects with at most this many keys are checked for repeats pairwise (no allocation, and
// requests are made of such objects); larger ones by sorting their keys.
constexpr size_t kPairwiseKeys = 8;

class Reader {
 public:
  Reader(std::string_view text, std::string_view file, const Limits& limits,
         JsonReadReport* report)
      : s_(text), file_(file), limits_(limits), report_(report) {}

  Status Document(JsonNode* out) {
    size_t bad = 0;
    // Bytes outside strings must be ASCII anyway, so one pass over the text covers every
    // string's raw bytes; decoded escapes are valid by construction.
    if (!IsValidUtf8(s_, &bad)) {
      i_ = bad;
      return Error("not valid UTF-8", JsonError::kUtf8);
    }
    SkipSpace();
    ARBITER_RETURN_IF_ERROR(ParseValue(out, 0));
    SkipSpace();
    if (i_ != s_.size()) return Error("unexpected text after the JSON value");
    return Status::Ok();
  }

 private:
  Status Error(std::string_view what, JsonError kind = JsonError::kSyntax) {
    report_->error = kind;
    report_->offset = static_cast<uint32_t>(i_);
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

  // `depth` is the number of arrays and objects open around the value.
  Status ParseValue(JsonNode* out, uint32_t depth) {
    if (i_ >= s_.size()) return Error("unexpected end of input");
    if (++values_ > limits_.json_values) {
      return Error("more than " + std::to_string(limits_.json_values) +
                       " values in one document (json_values)",
                   JsonError::kSize);
    }
    out->offset = static_cast<uint32_t>(i_);
    char c = s_[i_];
    if ((c == '{' || c == '[') && depth >= limits_.json_depth) {
      return Error("nested deeper than " + std::to_string(limits_.json_depth) +
                       " levels (json_depth)",
                   JsonError::kDepth);
    }
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

  Status StringTooLong(size_t start) {
    i_ = start;
    return Error("a string longer than " + std::to_string(limits_.json_string_bytes) +
                     " bytes (json_string_bytes)",
                 JsonError::kSize);
  }

  Status ParseString(std::string* out) {
    size_t start = i_++;  // the opening quote
    out->clear();
    while (true) {
      size_t plain = PlainJsonRun(s_.substr(i_));  // copied in one piece
      out->append(s_.data() + i_, plain);
      i_ += plain;
      if (i_ >= s_.size()) return Error("unterminated string");
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        if (out->size() > limits_.json_string_bytes) return StringTooLong(start);
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

  Status ParseArray(JsonNode* out, uint32_t depth) {
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

  Status ParseObject(JsonNode* out, uint32_t depth) {
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
        return CheckDistinctKeys(*out);
      }
      return Error("expected ',' or '}'");
    }
  }

  // The first key, in document order, that repeats an earlier one is the error.
  Status CheckDistinctKeys(const JsonNode& object) {
    const std::vector<std::string>& keys = object.keys;
    size_t n = keys.size(), repeat = n;
    if (n <= kPairwiseKeys) {
      for (size_t k = 1; k < n; ++k) {
        for (size_t j = 0; j < k; ++j) {
          if (keys[j] == keys[k]) {
            report_->key_comparisons += k * (k - 1) / 2 + j + 1;
            i_ = object.key_offsets[k];
            return Error("duplicate key \"" + keys[k] + "\"", JsonError::kDuplicateKey);
          }
        }
      }
      report_->key_comparisons += n * (n - 1) / 2;
    } else {
      // Sorted by key, equal keys stay in document order: each run's second member is a
      // repeat, and the earliest of those is the one to report.
      order_.resize(n);
      for (size_t k = 0; k < n; ++k) order_[k] = static_cast<uint32_t>(k);
      std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
        ++report_->key_comparisons;
        return keys[a] < keys[b];
      });
      for (size_t k = 1; k < n; ++k) {
        ++report_->key_comparisons;
        const std::string& key = keys[order_[k]];
        if (keys[order_[k - 1]] == key && (k < 2 || keys[order_[k - 2]] != key)) {
          repeat = std::min<size_t>(repeat, order_[k]);
        }
      }
    }
    if (repeat == n) return Status::Ok();
    i_ = object.key_offsets[repeat];
    return Error("duplicate key \"" + keys[repeat] + "\"", JsonError::kDuplicateKey);
  }

  std::string_view s_;
  std::string_view file_;
  const Limits& limits_;
  JsonReadReport* report_;
  std::vector<uint32_t> order_;  // scratch for CheckDistinctKeys
  size_t i_ = 0;

 public:
  size_t values_ = 0;  // values read so far
};

}  // namespace

Result<JsonNode> ParseJson(std::string_view text, std::string_view file, const Limits& limits,
                           JsonReadReport* report) {
  JsonReadReport local;
  if (report == nullptr) report = &local;
  *report = JsonReadReport{};
  if (text.size() > UINT32_MAX) {
    return Status::InvalidArgument(std::string(file) + ": invalid JSON: larger than 4 GiB");
  }
  JsonNode root;
  Reader reader(text, file, limits, report);
  Status read = reader.Document(&root);
  report->values = reader.values_;
  if (!read.ok()) return read;
  return root;
}

}  // namespace arbiter::engine
