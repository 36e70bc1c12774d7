// Every bound Arbiter enforces, in one place. Readers, the VM, the HTTP server and the
// playground take their bounds from a `Limits` (the defaults below unless an operator set
// others); none keeps a private constant for the same thing. spec/security.md lists these
// fields with their defaults in one table: change both together.
//
// Contract: a bound that is exceeded is a clear error (a Status with the field's name in its
// message, or the HTTP status the spec names), never a crash, a hang or a silent allow.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arbiter {

struct Limits {
  // --- HTTP (daemon; spec/http-api.md says what a client sees) -----------------------------
  size_t http_body_bytes = 1u << 20;          // larger bodies: 413
  size_t http_header_bytes = 16u << 10;       // larger headers: 431
  uint32_t http_connections = 1024;           // open connections; past it accept pauses
  uint32_t http_requests_per_connection = 100'000;  // then the connection closes
  uint32_t http_header_timeout_ms = 30'000;   // header complete within this of its first byte
  uint32_t http_body_timeout_ms = 30'000;     // body complete within this after the header
  uint32_t http_idle_timeout_ms = 30'000;     // keep-alive: next request starts within this
  uint32_t http_write_timeout_ms = 30'000;    // a response is taken by the client within this
  uint32_t http_accept_backoff_ms = 100;      // accept failing (EMFILE...): pause, then retry
  uint32_t http_evict_after_ms = 1'000;       // connections full or EMFILE: the connection
                                              //   waiting longest on its client, if this long,
                                              //   is closed to make room (slowloris)
  uint32_t http_linger_ms = 2'000;            // after an error answer, unread input is
  size_t http_linger_bytes = 16u << 20;       //   dropped this long, at most this much
  uint32_t http_blocking_threads = 2;         // threads for handlers that may block
  uint32_t http_blocking_queue = 64;          // such requests waiting; past it 503 busy

  // --- JSON input (requests, entity data, evidence, admin bodies) ---------------------------
  // The one reader, engine/json_reader.h, enforces these for every untrusted document.
  uint32_t json_depth = 64;                   // nesting of [ and {
  size_t json_values = 1'000'000;             // values in one document
  size_t json_string_bytes = 1u << 20;        // one string or key (after unescaping)

  // --- Entity data and values ----------------------------------------------------------------
  size_t entities = 10'000'000;               // entities in one store
  uint32_t entity_ancestors = 10'000;         // ancestors of one entity (transitive)
  // A set or record from JSON is bounded by json_values; one built by a policy, by eval_bytes.

  // --- Evaluation, per decision ---------------------------------------------------------------
  uint64_t eval_steps = 10'000'000;           // VM steps (loop iterations, calls, elements)
  uint64_t eval_bytes = 64u << 20;            // bytes allocated for values

  // --- Audit ---------------------------------------------------------------------------------
  uint64_t whatif_decisions = 10'000;         // PUT /v1/policies?dry_run=true: the last this
                                              //   many recorded decisions are replayed, at most
  uint64_t tracked_obligations = 100'000;     // require_evidence obligations the daemon keeps
                                              //   open in memory for /metrics; more are counted
                                              //   as untracked (the audit command sees all)

  // --- Playground (one scratch ledger, replaced by an empty one past either bound) ------------
  uint64_t playground_ledger_entries = 10'000;  // entries in the scratch ledger
  uint32_t playground_ledger_age_s = 3'600;   // idle this long: the scratch ledger is dropped
};

// The defaults, as documented in spec/security.md.
inline constexpr Limits kDefaultLimits{};

}  // namespace arbiter
