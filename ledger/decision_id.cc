// Decision ids: UUIDv7 (RFC 9562, section 5.7) with a 12-bit sub-millisecond counter in
// rand_a (section 6.2, method 1), so ids made by one process strictly increase. Increasing
// ids keep the ledger's decision index ("d/" keys) append-only: a group commit inserts them
// at the end of the index instead of at random places in RocksDB's memtable.
#include <sodium.h>

#include <arbiter/ledger.h>

#include <chrono>
#include <mutex>
#include <random>

namespace arbiter::ledger {
namespace {

// The last (unix ms, counter) handed out, packed as ms << 12 | counter.
std::mutex clock_mu;
uint64_t last_stamp = 0;

uint64_t NextStamp() {
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  std::lock_guard lock(clock_mu);
  uint64_t stamp = ms << 12;
  // Same millisecond (or the clock stepped back): count on; a full counter borrows the
  // next millisecond, as RFC 9562 allows.
  if (stamp <= last_stamp) stamp = last_stamp + 1;
  last_stamp = stamp;
  return stamp;
}

uint64_t RandomBits() {
  // Ids need uniqueness, not secrecy: a per-thread generator seeded from the OS avoids a
  // getrandom() call per decision.
  thread_local std::mt19937_64 rng = [] {
    static const bool ready = sodium_init() >= 0;
    (void)ready;
    uint64_t seed[4];
    randombytes_buf(seed, sizeof seed);
    std::seed_seq seq{seed[0], seed[1], seed[2], seed[3]};
    return std::mt19937_64(seq);
  }();
  return rng();
}

}  // namespace

std::string NewDecisionId() {
  static constexpr char kDigits[] = "0123456789abcdef";
  uint64_t stamp = NextStamp();
  uint64_t hi = (stamp >> 12) << 16 | 0x7000 | (stamp & 0xfff);  // unix_ts_ms, ver, rand_a
  uint64_t lo = (RandomBits() >> 2) | (uint64_t{1} << 63);        // var = 0b10, rand_b
  std::string id(36, '-');
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      id[pos++] = kDigits[(v >> (4 * i)) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return id;
}

}  // namespace arbiter::ledger
