/* The C API from an installed package: compiles argv[1] against the schema argv[2] with the
 * entity data in argv[3], decides one request with explain, records it in a new ledger at
 * argv[4] signed with the key file argv[5], closes the ledger and verifies it with the public
 * key argv[6]. Prints each result on a line; exits 0 when all of it worked. */
#include <arbiter/arbiter_c.h>
#include <stdio.h>
#include <stdlib.h>

static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (buf) buf[n] = 0;
  fclose(f);
  return buf;
}

static int fail(const char* what, int code, char* error) {
  fprintf(stderr, "%s: %s: %s\n", what, arbiter_status_name(code), error ? error : "?");
  arbiter_string_free(error);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 7) return 2;
  const char* request =
      "{\"subject\":{\"type\":\"User\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
      "\"resource\":{\"type\":\"Doc\",\"id\":\"d1\"}}";
  printf("version: %s\n", arbiter_version());
  char* entities = read_file(argv[3]);
  char* error = NULL;
  arbiter_engine* engine = arbiter_engine_open_with_schema((const char* const*)&argv[1], 1, argv[2],
                                                           NULL, entities, &error);
  free(entities);
  if (!engine) return fail("compile", ARBITER_INVALID_ARGUMENT, error);

  char* json = NULL;
  if (arbiter_decide_explain(engine, request, &json, &error) != 1) {
    return fail("decide", ARBITER_INVALID_ARGUMENT, error);
  }
  printf("decision: %s\n", json);
  arbiter_string_free(json);

  arbiter_ledger* ledger = NULL;
  int code = arbiter_ledger_open(argv[4], argv[5], &ledger, &error);
  if (code != ARBITER_OK) return fail("ledger open", code, error);
  int allow = 0;
  char* receipt = NULL;
  code = arbiter_ledger_record_decision(ledger, engine, request, &allow, NULL, &receipt, &error);
  if (code != ARBITER_OK || !allow) return fail("record", code, error);
  printf("receipt: %s\n", receipt);
  arbiter_string_free(receipt);
  code = arbiter_ledger_close(ledger, &error);
  if (code != ARBITER_OK) return fail("ledger close", code, error);

  char* report = NULL;
  code = arbiter_ledger_verify(argv[4], argv[6], &report, &error);
  printf("verify: %s\n", report ? report : "(none)");
  arbiter_string_free(report);
  if (code != ARBITER_OK) return fail("verify", code, error);
  arbiter_engine_free(engine);
  return 0;
}
