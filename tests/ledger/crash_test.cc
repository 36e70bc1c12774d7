// Crash safety on RocksDB: a child process appends from several threads and prints each
// seq once durable; we SIGKILL it at varying moments, then reopen, verify, and check every
// reported seq is present. Repeated, so later runs append to a ledger that survived kills.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "tests/ledger/test_util.h"

using namespace arbiter;
using namespace arbiter::ledger;
using namespace arbiter::ledger::testing;

namespace {

// Runs the writer, kills it after it reported `target` seqs or the pipe closed, returns them.
std::set<uint64_t> RunAndKill(const std::string& dir, const std::string& key, int target) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(LEDGER_CRASH_WRITER, LEDGER_CRASH_WRITER, dir.c_str(), key.c_str(), nullptr);
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::set<uint64_t> seen;
  std::string buf;
  char chunk[4096];
  while (static_cast<int>(seen.size()) < target) {
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, n);
    size_t eol;
    while ((eol = buf.find('\n')) != std::string::npos) {
      seen.insert(std::stoull(buf.substr(0, eol)));
      buf.erase(0, eol + 1);
    }
  }
  ::kill(pid, SIGKILL);
  // Seqs printed before the kill but still in the pipe were durable too.
  for (;;) {
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buf.append(chunk, n);
  }
  size_t eol;
  while ((eol = buf.find('\n')) != std::string::npos) {
    seen.insert(std::stoull(buf.substr(0, eol)));
    buf.erase(0, eol + 1);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  return seen;
}

}  // namespace

TEST_CASE("kill -9 a writing process repeatedly: the ledger verifies, durable appends survive") {
  TempDir dir("ledger-crash");
  TempDir keys("ledger-crash-keys");
  auto key = SigningKey::Generate("crash.example/ledger");
  REQUIRE(key.ok());
  auto paths = WriteKeyFiles(*key, keys.str());
  REQUIRE(paths.ok());
  VerifyOptions verify;
  verify.trusted_keys = {VerifierKey::FromSigningKey(*key)};
  std::mt19937 rng(42);
  std::set<uint64_t> all;
  for (int round = 0; round < 6; ++round) {
    int target = 20 + static_cast<int>(rng() % 400);
    auto seen = RunAndKill(dir.str(), paths->first, target);
    INFO("round " << round << ": " << seen.size() << " durable appends reported");
    REQUIRE(!seen.empty());
    all.insert(seen.begin(), seen.end());
    auto ledger = Ledger::OpenReadOnly(dir.str());
    REQUIRE(ledger.ok());
    auto report = (*ledger)->Verify(verify);
    INFO(report.Summary());
    REQUIRE(report.ok);
    CHECK(*all.rbegin() < (*ledger)->Size());
    for (uint64_t seq : all) {
      if (!(*ledger)->Get(seq).ok()) FAIL("durable seq " << seq << " is missing");
    }
  }
}
