#include "dsl/source_text.h"

#include <algorithm>
#include <cstdio>

namespace arbiter::dsl {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

std::pair<uint32_t, uint32_t> LineIndex::LineCol(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  size_t line = static_cast<size_t>(it - starts_.begin());  // 1-based
  return {static_cast<uint32_t>(line), offset - starts_[line - 1] + 1};
}

std::string_view LineIndex::Line(uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  uint32_t begin = starts_[line - 1];
  uint32_t end = line < starts_.size() ? starts_[line] - 1 : static_cast<uint32_t>(text_.size());
  std::string_view s = text_.substr(begin, end - begin);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

Span MakeSpan(FileId file, const LineIndex& index, uint32_t begin, uint32_t end) {
  auto [line, column] = index.LineCol(begin);
  return Span{file, begin, std::max(begin, end), line, column};
}

void DiagnosticSink::Error(std::string_view code, uint32_t begin, uint32_t end,
                           std::string message) {
  if (errors_ > kMaxDiagnosticsPerFile) return;
  if (errors_++ == kMaxDiagnosticsPerFile) {
    out_->push_back({"E0503", Severity::kError,
                     "too many errors in this file (more than " +
                         std::to_string(kMaxDiagnosticsPerFile) + "); stopping here",
                     MakeSpan(file_, index_, begin, end)});
    return;
  }
  out_->push_back({std::string(code), Severity::kError, std::move(message),
                   MakeSpan(file_, index_, begin, end)});
}

void DiagnosticSink::Warning(std::string_view code, uint32_t begin, uint32_t end,
                             std::string message) {
  out_->push_back({std::string(code), Severity::kWarning, std::move(message),
                   MakeSpan(file_, index_, begin, end)});
}

namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

bool ScanLexical(std::string_view text, DiagnosticSink& sink, std::vector<Comment>* comments) {
  // Bytes first: a binary or mis-encoded file gets one clear diagnostic, not a parse error
  // cascade.
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      sink.Error("E0102", i, i + 1,
                 "NUL byte in source text (is this a binary file?); policy files are UTF-8 text");
      return false;
    }
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[i]));
      sink.Error("E0101", i, i + 1,
                 std::string("invalid UTF-8: byte ") + hex + " at offset " + std::to_string(i));
      return false;
    }
    i += n;
  }
  const size_t size = text.size();
  for (size_t i = 0; i < size;) {
    char c = text[i];
    if (c == '/' && i + 1 < size && text[i + 1] == '/') {
      size_t end = text.find('\n', i);
      if (end == std::string_view::npos) end = size;
      if (end > i && text[end - 1] == '\r') --end;
      comments->push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(end), false});
      i = end;
    } else if (c == '/' && i + 1 < size && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) {
        sink.Error("E0104", i, i + 2, "unterminated block comment: `/*` has no matching `*/`");
        return false;
      }
      comments->push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(end + 2), true});
      i = end + 2;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < size && text[j] != '"' && text[j] != '\n') {
        j += (text[j] == '\\' && j + 1 < size && text[j + 1] != '\n') ? 2 : 1;
      }
      if (j >= size || text[j] != '"') {
        sink.Error("E0103", i, i + 1,
                   "unterminated string: no closing `\"` before the end of the line");
        return false;
      }
      i = j + 1;
    } else {
      ++i;
    }
  }
  return true;
}

uint32_t SkipTrivia(std::string_view text, uint32_t offset) {
  size_t i = offset;
  const size_t size = text.size();
  while (i < size) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '/' && i + 1 < size && text[i + 1] == '/') {
      size_t end = text.find('\n', i);
      i = end == std::string_view::npos ? size : end;
    } else if (c == '/' && i + 1 < size && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? size : end + 2;
    } else {
      break;
    }
  }
  return static_cast<uint32_t>(i);
}

std::string DescribeTokenAt(std::string_view text, uint32_t offset) {
  if (offset >= text.size()) return "end of file";
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
  };
  size_t end = offset;
  if (is_word(text[offset])) {
    while (end < text.size() && is_word(text[end]) && end - offset < 40) ++end;
  } else if (text[offset] == '"') {
    return "a string";
  } else {
    end = offset + 1;
    // Keep whole UTF-8 sequences together.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    if (static_cast<unsigned char>(text[offset]) < 0x20) return "a control character";
  }
  return "`" + std::string(text.substr(offset, end - offset)) + "`";
}

}  // namespace arbiter::dsl
