#include "common/canonical_json.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/json_string.h"
#include "common/utf8.h"

namespace arbiter {
namespace {

enum class Kind : uint8_t { kObject, kArray, kString, kNumber, kLiteral };

// One value in document order. Containers are followed by their contents (objects by key,
// value, key, value, ...); `end` is the index just past the node's last descendant.
struct Node {
  Kind kind;
  bool decoded;  // string text lives in the scratch buffer (it had escapes)
  uint32_t end;
  uint32_t offset;
  uint32_t length;
};

class Canonicalizer {
 public:
  Canonicalizer(std::string_view text, std::vector<Node>& nodes, std::string& scratch,
                std::vector<uint32_t>& members)
      : text_(text), nodes_(nodes), scratch_(scratch), members_(members) {
    nodes_.clear();
    scratch_.clear();
    members_.clear();
  }

  CanonicalJsonResult Run(std::string* out) {
    if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") return Unsupported();
    if (text_.size() > UINT32_MAX / 2) return Unsupported();
    // Bytes outside strings must be ASCII anyway, so checking the whole text once covers
    // every string's raw bytes; decoded escapes are valid by construction.
    if (!IsValidUtf8(text_)) return Invalid();
    Value(0);
    if (result_ != CanonicalJsonResult::kOk) return result_;
    SkipSpace();
    if (pos_ != text_.size()) return Invalid();
    out->clear();
    out->reserve(text_.size());
    Emit(0, out);
    return result_;
  }

 private:
  CanonicalJsonResult Invalid() {
    if (result_ == CanonicalJsonResult::kOk) result_ = CanonicalJsonResult::kInvalid;
    return result_;
  }
  CanonicalJsonResult Unsupported() {
    if (result_ == CanonicalJsonResult::kOk) result_ = CanonicalJsonResult::kUnsupported;
    return result_;
  }
  bool failed() const { return result_ != CanonicalJsonResult::kOk; }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  uint32_t Push(Kind kind, size_t offset, size_t length, bool decoded = false) {
    nodes_.push_back({kind, decoded, 0, static_cast<uint32_t>(offset), static_cast<uint32_t>(length)});
    return static_cast<uint32_t>(nodes_.size() - 1);
  }
  void Close(uint32_t index) { nodes_[index].end = static_cast<uint32_t>(nodes_.size()); }

  void Value(int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return void(Invalid());
    char c = text_[pos_];
    switch (c) {
      case '{': return Container(depth, Kind::kObject, '}');
      case '[': return Container(depth, Kind::kArray, ']');
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return Number();
        return void(Invalid());
    }
  }

  void Container(int depth, Kind kind, char closing) {
    if (depth >= kMaxCanonicalDepth) return void(Unsupported());
    uint32_t index = Push(kind, pos_, 0);
    ++pos_;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == closing) {
      ++pos_;
      return Close(index);
    }
    for (;;) {
      if (kind == Kind::kObject) {
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '"') return void(Invalid());
        String();
        if (failed()) return;
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != ':') return void(Invalid());
        ++pos_;
      }
      Value(depth + 1);
      if (failed()) return;
      SkipSpace();
      if (pos_ >= text_.size()) return void(Invalid());
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] != closing) return void(Invalid());
      ++pos_;
      return Close(index);
    }
  }

  void Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return void(Invalid());
    Close(Push(Kind::kLiteral, pos_, word.size()));
    pos_ += word.size();
  }

  void Number() {
    size_t start = pos_;
    bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    size_t digits = pos_;
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') return void(Invalid());
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    }
    size_t digits_end = pos_;
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      size_t frac = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == frac) return void(Invalid());
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      size_t exp = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == exp) return void(Invalid());
    }
    // nlohmann keeps a 64-bit integer as written (a positive one up to 2^64-1, a negative
    // one down to -2^63) and turns anything else into a double.
    if (!integral) return void(Unsupported());
    std::string_view magnitude = text_.substr(digits, digits_end - digits);
    std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (magnitude.size() > limit.size() ||
        (magnitude.size() == limit.size() && magnitude > limit)) {
      return void(Unsupported());
    }
    if (negative && magnitude == "0") {
      Close(Push(Kind::kNumber, digits, 1));  // -0 is the integer 0
      return;
    }
    Close(Push(Kind::kNumber, start, pos_ - start));
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ReadHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(text_[pos_ + i]);
      if (h < 0) return false;
      v = v << 4 | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  void String() {
    size_t start = ++pos_;  // past the opening quote
    pos_ += PlainJsonRun(text_.substr(pos_));
    if (pos_ >= text_.size() || static_cast<unsigned char>(text_[pos_]) < 0x20) {
      return void(Invalid());
    }
    if (text_[pos_] == '"') {
      Close(Push(Kind::kString, start, pos_ - start));
      ++pos_;
      return;
    }
    // Escapes: decode into the scratch buffer.
    size_t begin = scratch_.size();
    scratch_.append(text_.substr(start, pos_ - start));
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return void(Invalid());
      if (c != '\\') {
        scratch_.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      if (++pos_ >= text_.size()) return void(Invalid());
      char e = text_[pos_++];
      switch (e) {
        case '"': scratch_.push_back('"'); break;
        case '\\': scratch_.push_back('\\'); break;
        case '/': scratch_.push_back('/'); break;
        case 'b': scratch_.push_back('\b'); break;
        case 'f': scratch_.push_back('\f'); break;
        case 'n': scratch_.push_back('\n'); break;
        case 'r': scratch_.push_back('\r'); break;
        case 't': scratch_.push_back('\t'); break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(&cp)) return void(Invalid());
          if (cp >= 0xDC00 && cp <= 0xDFFF) return void(Invalid());  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
              return void(Invalid());
            }
            pos_ += 2;
            if (!ReadHex4(&low) || low < 0xDC00 || low > 0xDFFF) return void(Invalid());
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(&scratch_, cp);
          break;
        }
        default: return void(Invalid());
      }
    }
    if (pos_ >= text_.size()) return void(Invalid());
    ++pos_;  // the closing quote
    Close(Push(Kind::kString, begin, scratch_.size() - begin, /*decoded=*/true));
  }

  std::string_view Text(const Node& n) const {
    return n.decoded ? std::string_view(scratch_).substr(n.offset, n.length)
                     : text_.substr(n.offset, n.length);
  }

  void EmitString(const Node& n, std::string* out) const {
    if (n.decoded) {
      AppendJsonString(out, Text(n));
    } else {
      out->push_back('"');
      out->append(Text(n));  // no escapes and no control characters: already canonical
      out->push_back('"');
    }
  }

  void Emit(uint32_t index, std::string* out) {
    const Node& n = nodes_[index];
    switch (n.kind) {
      case Kind::kString: return EmitString(n, out);
      case Kind::kNumber:
      case Kind::kLiteral: out->append(Text(n)); return;
      case Kind::kArray: {
        out->push_back('[');
        for (uint32_t i = index + 1; i < n.end; i = nodes_[i].end) {
          if (i != index + 1) out->push_back(',');
          Emit(i, out);
        }
        out->push_back(']');
        return;
      }
      case Kind::kObject: {
        // Members are sorted in a shared index pool: this object's slice is [base, top);
        // nested objects push above it and pop before returning.
        size_t base = members_.size();
        for (uint32_t i = index + 1; i < n.end; i = nodes_[i + 1].end) members_.push_back(i);
        size_t top = members_.size();
        auto key = [this](uint32_t i) { return Text(nodes_[i]); };
        bool sorted = true;
        for (size_t m = base + 1; m < top; ++m) {
          if (!(key(members_[m - 1]) < key(members_[m]))) {
            sorted = false;
            break;
          }
        }
        if (!sorted) {
          std::sort(members_.begin() + base, members_.begin() + top,
                    [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
          for (size_t m = base + 1; m < top; ++m) {
            if (key(members_[m - 1]) == key(members_[m])) {
              Unsupported();  // nlohmann keeps the last of repeated keys; leave it to it
              members_.resize(base);
              return;
            }
          }
        }
        out->push_back('{');
        for (size_t m = base; m < top; ++m) {
          if (m != base) out->push_back(',');
          uint32_t k = members_[m];
          EmitString(nodes_[k], out);
          out->push_back(':');
          Emit(k + 1, out);
        }
        out->push_back('}');
        members_.resize(base);
        return;
      }
    }
  }

  std::string_view text_;
  std::vector<Node>& nodes_;
  std::string& scratch_;
  std::vector<uint32_t>& members_;
  size_t pos_ = 0;
  CanonicalJsonResult result_ = CanonicalJsonResult::kOk;
};

}  // namespace

CanonicalJsonResult CanonicalizeJson(std::string_view text, std::string* out) {
  // Reused by the thread: after warm-up a call allocates only if *out must grow.
  thread_local std::vector<Node> nodes;
  thread_local std::string scratch;
  thread_local std::vector<uint32_t> members;
  Canonicalizer c(text, nodes, scratch, members);
  return c.Run(out);
}

}  // namespace arbiter
