/* A small C ABI for other languages: compile policies (with a schema) or load a bundle, decide
 * from JSON (with an explain trace), record decisions in an audit ledger and verify a ledger.
 *
 * Build: `cc prog.c $(pkg-config --cflags --libs arbiter-c)` after `make install`.
 *
 * Errors are values; nothing here throws, aborts or prints. A call that can fail says how it
 * reports it: a NULL handle, -1, or one of the ARBITER_* status codes below (ARBITER_OK is 0).
 * When it fails and its `error` argument is not NULL, *error receives the message (else NULL).
 * Every returned string (messages, JSON) is allocated by Arbiter and released with
 * arbiter_string_free. Output arguments are set to NULL first, so they are safe to free.
 * An engine or a ledger may be used by many threads at once; arbiter_engine_free and
 * arbiter_ledger_close must not race with them. */
#ifndef ARBITER_ARBITER_C_H_
#define ARBITER_ARBITER_C_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: the numbers of arbiter::StatusCode (include/arbiter/status.h). */
enum {
  ARBITER_OK = 0,
  ARBITER_INVALID_ARGUMENT = 1,    /* malformed input: bad JSON, bad policy, NULL argument */
  ARBITER_NOT_FOUND = 2,           /* a named thing does not exist (file, directory) */
  ARBITER_CORRUPTION = 3,          /* bytes fail an integrity check; a ledger fails verify */
  ARBITER_IO_ERROR = 4,            /* the operating system or storage refused */
  ARBITER_FAILED_PRECONDITION = 5, /* wrong state (a ledger another writer holds) */
  ARBITER_UNSUPPORTED = 6,         /* a newer format version */
  ARBITER_PERMISSION_DENIED = 7,   /* e.g. a private key file others may read */
  ARBITER_RESOURCE_EXHAUSTED = 8,  /* a configured limit was exceeded */
  ARBITER_INTERNAL = 9             /* a bug in Arbiter; please report it */
};

/* The library's version, "MAJOR.MINOR.PATCH"; a static string. */
const char* arbiter_version(void);
/* A status code's name ("OK", "Not found", ...); a static string ("Unknown" for others). */
const char* arbiter_status_name(int code);

/* ---- Engines ----------------------------------------------------------------------------- */

typedef struct arbiter_engine arbiter_engine;

/* Compiles the policy files or folders in paths[0..num_paths). entities_json may be NULL (no
 * entity data). On failure returns NULL and, when error is not NULL, sets *error to a message
 * (diagnostics included). */
arbiter_engine* arbiter_engine_open(const char* const* paths, size_t num_paths,
                                    const char* entities_json, char** error);

/* The same, checked against a schema (spec/language.md, "Schema"): the schema file at
 * schema_path, or the schema text schema_text (then schema_path, when not NULL, only names it
 * in diagnostics). Both NULL: no schema, as arbiter_engine_open. */
arbiter_engine* arbiter_engine_open_with_schema(const char* const* paths, size_t num_paths,
                                                const char* schema_path, const char* schema_text,
                                                const char* entities_json, char** error);

/* Loads a compiled bundle file instead of compiling. */
arbiter_engine* arbiter_engine_open_bundle(const char* bundle_path, const char* entities_json,
                                           char** error);

/* Decides a request (AuthZEN-shaped JSON). Returns 1 for allow, 0 for deny, -1 on bad input.
 * When decision_json is not NULL it receives the decision JSON (as `arbiter eval` prints it);
 * on -1, *error (when not NULL) receives the message. */
int arbiter_decide(const arbiter_engine* engine, const char* request_json, char** decision_json,
                   char** error);

/* arbiter_decide with the explain trace: the decision JSON also holds "explain", one step per
 * rule and why it did or did not match (as `arbiter eval --explain` prints it). */
int arbiter_decide_explain(const arbiter_engine* engine, const char* request_json,
                           char** decision_json, char** error);

/* "sha256:<hex>" of the engine's bundle; owned by the engine. */
const char* arbiter_engine_digest(const arbiter_engine* engine);

void arbiter_engine_free(arbiter_engine* engine);
void arbiter_string_free(char* s);

/* ---- The audit ledger (spec/ledger-format.md) ---------------------------------------------- */

typedef struct arbiter_ledger arbiter_ledger;

/* Opens the ledger in directory dir (creating it when missing) as its single writer, signing
 * checkpoints with the private key in key_file (NAME.key from `arbiter keygen`; refused with
 * ARBITER_PERMISSION_DENIED when group or others may read it). Sets *ledger (NULL on failure)
 * and returns a status code; a ledger another writer holds is ARBITER_FAILED_PRECONDITION. */
int arbiter_ledger_open(const char* dir, const char* key_file, arbiter_ledger** ledger,
                        char** error);

/* Decides request_json with engine, as arbiter_decide, and records the decision with its
 * request in the ledger before handing it out (as `arbiter eval --ledger` does; the first
 * decision of a bundle also records the bundle's activation). Fail closed: when the decision
 * cannot be recorded the call fails and returns no decision. Returns a status code; on
 * ARBITER_OK *allow (when not NULL) is 1 for allow and 0 for deny, *decision_json (when not
 * NULL) receives the decision JSON and *receipt_json (when not NULL) the receipt,
 * {"seq":N,"entry_hash":"<hex RFC 6962 leaf hash>","decision_id":"<id>"}. */
int arbiter_ledger_record_decision(arbiter_ledger* ledger, const arbiter_engine* engine,
                                   const char* request_json, int* allow, char** decision_json,
                                   char** receipt_json, char** error);

/* Commits what is pending, signs a final checkpoint, closes and frees the ledger (also when
 * that fails). Returns a status code; NULL is ARBITER_OK. */
int arbiter_ledger_close(arbiter_ledger* ledger, char** error);

/* Verifies the ledger in dir (opened for reading; its writer may be running) against the
 * public key in public_key_file (NAME.pub): every entry's hash chain, every checkpoint's root
 * and signature. Returns ARBITER_OK when it verifies and ARBITER_CORRUPTION when it does not
 * (*error: the problem); any other code means it could not be checked (no ledger, no key).
 * A ledger with no signed checkpoint yet does not verify. *report_json (when not NULL)
 * receives the report whenever verify ran (ARBITER_OK and ARBITER_CORRUPTION), the object
 * `arbiter audit verify --json` prints: {"ok":..,"entries":N,..,"problem":"..","note":".."}
 * (spec/ledger-format.md, "What verify reports"). */
int arbiter_ledger_verify(const char* dir, const char* public_key_file, char** report_json,
                          char** error);

#ifdef __cplusplus
}
#endif

#endif /* ARBITER_ARBITER_C_H_ */
