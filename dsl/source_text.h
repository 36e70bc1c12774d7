// Source-level helpers shared by the parser, the checker and the formatter: line/column
// lookup, the diagnostic sink, and the lexical pre-scan that validates bytes (UTF-8, NUL),
// finds comments, and reports unterminated strings and comments before the grammar runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/cst.h"
#include "dsl/frontend.h"

namespace arbiter::dsl {

// Limits (spec/errors.md, E05xx).
inline constexpr size_t kMaxSourceBytes = 16u << 20;  // 16 MiB per file
inline constexpr uint32_t kMaxNesting = 64;           // nested expressions (parens, if, let...)
inline constexpr uint32_t kMaxTreeDepth = 1000;       // height of one expression tree
inline constexpr size_t kMaxDiagnosticsPerFile = 100;

class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  // 1-based line and byte column of `offset` (clamped to the text).
  std::pair<uint32_t, uint32_t> LineCol(uint32_t offset) const;
  // The text of 1-based `line`, without its line break.
  std::string_view Line(uint32_t line) const;

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

Span MakeSpan(FileId file, const LineIndex& index, uint32_t begin, uint32_t end);

// Collects the diagnostics of one file; stops accepting (with one E0503) after
// kMaxDiagnosticsPerFile errors so a garbage file cannot flood the output.
class DiagnosticSink {
 public:
  DiagnosticSink(FileId file, const LineIndex& index, std::vector<Diagnostic>* out)
      : file_(file), index_(index), out_(out) {}
  void Error(std::string_view code, uint32_t begin, uint32_t end, std::string message);
  void Warning(std::string_view code, uint32_t begin, uint32_t end, std::string message);
  size_t error_count() const { return errors_; }
  bool full() const { return errors_ > kMaxDiagnosticsPerFile; }
  FileId file() const { return file_; }
  const LineIndex& index() const { return index_; }

 private:
  FileId file_;
  const LineIndex& index_;
  std::vector<Diagnostic>* out_;
  size_t errors_ = 0;
};

// Validates the bytes of `text` and finds its comments. Returns false (after reporting) when
// the file cannot be parsed at all: invalid UTF-8 (E0101), a NUL byte (E0102), an
// unterminated string (E0103) or block comment (E0104).
bool ScanLexical(std::string_view text, DiagnosticSink& sink, std::vector<Comment>* comments);

// Offset of the first byte at or after `offset` that is neither whitespace nor inside a
// comment.
uint32_t SkipTrivia(std::string_view text, uint32_t offset);

// A short human description of the token at `offset` for "found ..." in messages.
std::string DescribeTokenAt(std::string_view text, uint32_t offset);

}  // namespace arbiter::dsl
