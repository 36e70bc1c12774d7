/* A small C ABI for other languages: open an engine, decide from JSON, free.
 * Every returned string is allocated by Arbiter and released with arbiter_string_free.
 * An engine may be used by many threads at once; arbiter_engine_free must not race with them. */
#ifndef ARBITER_ARBITER_C_H_
#define ARBITER_ARBITER_C_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct arbiter_engine arbiter_engine;

/* Compiles the policy files or folders in paths[0..num_paths). entities_json may be NULL (no
 * entity data). On failure returns NULL and, when error is not NULL, sets *error to a message
 * (diagnostics included). */
arbiter_engine* arbiter_engine_open(const char* const* paths, size_t num_paths,
                                    const char* entities_json, char** error);

/* Loads a compiled bundle file instead of compiling. */
arbiter_engine* arbiter_engine_open_bundle(const char* bundle_path, const char* entities_json,
                                           char** error);

/* Decides a request (AuthZEN-shaped JSON). Returns 1 for allow, 0 for deny, -1 on bad input.
 * When decision_json is not NULL it receives the decision JSON (as `arbiter eval` prints it);
 * on -1, *error (when not NULL) receives the message. */
int arbiter_decide(const arbiter_engine* engine, const char* request_json, char** decision_json,
                   char** error);

/* "sha256:<hex>" of the engine's bundle; owned by the engine. */
const char* arbiter_engine_digest(const arbiter_engine* engine);

void arbiter_engine_free(arbiter_engine* engine);
void arbiter_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* ARBITER_ARBITER_C_H_ */
