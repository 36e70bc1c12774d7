/* The C ABI, called from C: engines, schemas, explain, version, status names, and the ledger
 * calls (record, close, verify). Run with a scratch directory as argv[1]. Exits non-zero on
 * the first failed check. */
#define _XOPEN_SOURCE 700
#include <arbiter/arbiter_c.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(cond)                                               \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                 \
    }                                                             \
  } while (0)

static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
  buf[n] = 0;
  fclose(f);
  return buf;
}

static int write_file(const char* path, const char* text, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return 0;
  size_t n = strlen(text);
  int ok = write(fd, text, n) == (ssize_t)n;
  /* open() applies the umask; set the mode the test means. */
  ok = fchmod(fd, mode) == 0 && ok;
  return close(fd) == 0 && ok;
}

static int remove_one(const char* path, const struct stat* st, int flag, struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_tree(const char* dir) { nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

/* out = dir + "/" + name; exits when it does not fit. */
static void join(char* out, size_t size, const char* dir, const char* name) {
  int n = snprintf(out, size, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= size) {
    fprintf(stderr, "path too long: %s/%s\n", dir, name);
    exit(1);
  }
}

/* Fixed test keys (SigningKey::FromSeed with seeds 0..31 and 100..131); never use them for
 * anything else. */
static const char* kPrivateKey =
    "PRIVATE+KEY+c-api-test+f7f70d11+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n";
static const char* kPublicKey =
    "c-api-test+f7f70d11+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4\n";
static const char* kOtherPublicKey =
    "c-api-other+1b7f4a39+AQu8NGpXZnw4ASC9nH/X5R0sX9/qN80vW/QFssa/by14\n";

static const char* kAllow =
    "{\"subject\":{\"type\":\"User\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
    "\"resource\":{\"type\":\"Doc\",\"id\":\"d1\"}}";
static const char* kDeny =
    "{\"subject\":{\"type\":\"User\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
    "\"resource\":{\"type\":\"Doc\",\"id\":\"d2\"}}";

static void test_engine(const char* policy, const char* entities) {
  char* error = NULL;
  arbiter_engine* engine = arbiter_engine_open(&policy, 1, entities, &error);
  CHECK(engine != NULL);
  CHECK(error == NULL);
  if (!engine) {
    fprintf(stderr, "%s\n", error ? error : "?");
    exit(1);
  }
  CHECK(strncmp(arbiter_engine_digest(engine), "sha256:", 7) == 0);

  char* json = NULL;
  int r = arbiter_decide(engine, kAllow, &json, &error);
  CHECK(r == 1);
  CHECK(json != NULL && strstr(json, "\"decision\":\"allow\"") != NULL);
  CHECK(json != NULL && strstr(json, "docs.owners_read") != NULL);
  CHECK(json != NULL && strstr(json, "\"explain\"") == NULL);
  arbiter_string_free(json);

  r = arbiter_decide(engine, kDeny, &json, &error);
  CHECK(r == 0);
  CHECK(json != NULL && strstr(json, "docs.archived") != NULL);
  arbiter_string_free(json);

  r = arbiter_decide(engine, "{not json", &json, &error);
  CHECK(r == -1);
  CHECK(json == NULL);
  CHECK(error != NULL && strstr(error, "<request>:1:2") != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* Explain: the same decision plus one step per rule and what became of it. */
  r = arbiter_decide_explain(engine, kDeny, &json, &error);
  CHECK(r == 0);
  CHECK(error == NULL);
  CHECK(json != NULL && strstr(json, "\"decision\":\"deny\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"explain\":[{") != NULL);
  CHECK(json != NULL && strstr(json, "\"rule\":\"docs.owners_read\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"outcome\":\"matched\"") != NULL);
  arbiter_string_free(json);
  CHECK(arbiter_decide_explain(engine, "[]", &json, &error) == -1);
  CHECK(json == NULL && error != NULL);
  arbiter_string_free(error);
  error = NULL;
  CHECK(arbiter_decide_explain(NULL, kAllow, &json, &error) == -1);
  CHECK(error != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* Bad policies and bad entity data are errors, not crashes. */
  const char* missing = "/nonexistent/policy.arbiter";
  CHECK(arbiter_engine_open(&missing, 1, NULL, &error) == NULL);
  CHECK(error != NULL);
  arbiter_string_free(error);
  error = NULL;
  CHECK(arbiter_engine_open(&policy, 1, "[{\"uid\":1}]", &error) == NULL);
  CHECK(error != NULL);
  arbiter_string_free(error);
  error = NULL;
  CHECK(arbiter_engine_open_bundle("/nonexistent.bundle", NULL, &error) == NULL);
  arbiter_string_free(error);
  error = NULL;
  CHECK(arbiter_engine_open(NULL, 1, NULL, &error) == NULL);
  CHECK(error != NULL);
  arbiter_string_free(error);

  arbiter_engine_free(engine);
}

static void test_schema(const char* policy, const char* entities) {
  char* error = NULL;
  /* A schema file the policy agrees with. */
  const char* schema_path = ARBITER_SOURCE_DIR "/tests/engine/testdata/docs.arbiterschema";
  arbiter_engine* engine =
      arbiter_engine_open_with_schema(&policy, 1, schema_path, NULL, entities, &error);
  CHECK(engine != NULL && error == NULL);
  if (engine) CHECK(arbiter_decide(engine, kAllow, NULL, NULL) == 1);
  arbiter_engine_free(engine);

  /* Schema text that has no `owner` on Doc: the policy's read of it is E0403, and the
   * diagnostic names the label given as schema_path. */
  const char* narrow =
      "entity User;\n"
      "entity Doc { archived?: Bool };\n"
      "action read appliesTo { subject: [User], resource: [Doc] };\n";
  engine = arbiter_engine_open_with_schema(&policy, 1, "narrow.arbiterschema", narrow, entities,
                                           &error);
  CHECK(engine == NULL);
  CHECK(error != NULL && strstr(error, "E0403") != NULL && strstr(error, "owner") != NULL);
  arbiter_string_free(error);
  error = NULL;
  /* The same text without a label. */
  engine = arbiter_engine_open_with_schema(&policy, 1, NULL, narrow, entities, &error);
  CHECK(engine == NULL && error != NULL && strstr(error, "E0403") != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* A schema that does not parse, and one that does not exist. */
  engine = arbiter_engine_open_with_schema(&policy, 1, NULL, "entity {", NULL, &error);
  CHECK(engine == NULL && error != NULL && strstr(error, "E0401") != NULL);
  arbiter_string_free(error);
  error = NULL;
  engine = arbiter_engine_open_with_schema(&policy, 1, "/nonexistent.arbiterschema", NULL, NULL,
                                           &error);
  CHECK(engine == NULL && error != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* No schema at all: as arbiter_engine_open. */
  engine = arbiter_engine_open_with_schema(&policy, 1, NULL, NULL, entities, &error);
  CHECK(engine != NULL && error == NULL);
  arbiter_engine_free(engine);
}

static void test_version(void) {
  CHECK(strcmp(arbiter_version(), ARBITER_TEST_VERSION) == 0);
  CHECK(strcmp(arbiter_status_name(ARBITER_OK), "OK") == 0);
  CHECK(strcmp(arbiter_status_name(ARBITER_NOT_FOUND), "Not found") == 0);
  CHECK(strcmp(arbiter_status_name(ARBITER_CORRUPTION), "Corruption") == 0);
  CHECK(strcmp(arbiter_status_name(ARBITER_INTERNAL), "Internal error") == 0);
  CHECK(strcmp(arbiter_status_name(-1), "Unknown") == 0);
  CHECK(strcmp(arbiter_status_name(10), "Unknown") == 0);
}

static void test_ledger(const char* work, const char* policy, const char* entities) {
  char path[4096], dir[4096], key[4096], pub[4096], other[4096], loose[4096];
  join(dir, sizeof dir, work, "ledger");
  join(key, sizeof key, work, "c-api-test.key");
  join(pub, sizeof pub, work, "c-api-test.pub");
  join(other, sizeof other, work, "c-api-other.pub");
  join(loose, sizeof loose, work, "loose.key");
  CHECK(write_file(key, kPrivateKey, 0600));
  CHECK(write_file(pub, kPublicKey, 0644));
  CHECK(write_file(other, kOtherPublicKey, 0644));
  CHECK(write_file(loose, kPrivateKey, 0644));

  char* error = NULL;
  arbiter_engine* engine = arbiter_engine_open(&policy, 1, entities, &error);
  CHECK(engine != NULL);
  if (!engine) exit(1);

  /* Opening: a missing key, a key others may read, NULL arguments. */
  arbiter_ledger* ledger = NULL;
  join(path, sizeof path, work, "missing.key");
  CHECK(arbiter_ledger_open(dir, path, &ledger, &error) == ARBITER_NOT_FOUND);
  CHECK(ledger == NULL && error != NULL);
  arbiter_string_free(error);
  CHECK(arbiter_ledger_open(dir, loose, &ledger, &error) == ARBITER_PERMISSION_DENIED);
  CHECK(ledger == NULL && error != NULL && strstr(error, "0644") != NULL);
  arbiter_string_free(error);
  CHECK(arbiter_ledger_open(NULL, key, &ledger, &error) == ARBITER_INVALID_ARGUMENT);
  CHECK(ledger == NULL && error != NULL);
  arbiter_string_free(error);
  error = NULL;

  CHECK(arbiter_ledger_open(dir, key, &ledger, &error) == ARBITER_OK);
  CHECK(ledger != NULL && error == NULL);
  if (!ledger) {
    fprintf(stderr, "%s\n", error ? error : "?");
    exit(1);
  }
  /* One writer at a time. */
  arbiter_ledger* second = NULL;
  CHECK(arbiter_ledger_open(dir, key, &second, &error) == ARBITER_FAILED_PRECONDITION);
  CHECK(second == NULL && error != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* Entry 0 is the bundle's activation, then the decisions. */
  int allow = -1;
  char* decision = NULL;
  char* receipt = NULL;
  CHECK(arbiter_ledger_record_decision(ledger, engine, kAllow, &allow, &decision, &receipt,
                                       &error) == ARBITER_OK);
  CHECK(error == NULL);
  CHECK(allow == 1);
  CHECK(decision != NULL && strstr(decision, "\"decision\":\"allow\"") != NULL);
  CHECK(receipt != NULL && strstr(receipt, "\"seq\":1,") != NULL);
  CHECK(receipt != NULL && strstr(receipt, "\"entry_hash\":\"") != NULL);
  CHECK(receipt != NULL && strstr(receipt, "\"decision_id\":\"") != NULL);
  arbiter_string_free(decision);
  arbiter_string_free(receipt);
  CHECK(arbiter_ledger_record_decision(ledger, engine, kDeny, &allow, &decision, &receipt,
                                       &error) == ARBITER_OK);
  CHECK(allow == 0);
  CHECK(decision != NULL && strstr(decision, "docs.archived") != NULL);
  CHECK(receipt != NULL && strstr(receipt, "\"seq\":2,") != NULL);
  arbiter_string_free(decision);
  arbiter_string_free(receipt);
  /* Only the receipt asked for. */
  CHECK(arbiter_ledger_record_decision(ledger, engine, kAllow, NULL, NULL, &receipt, NULL) ==
        ARBITER_OK);
  CHECK(receipt != NULL && strstr(receipt, "\"seq\":3,") != NULL);
  arbiter_string_free(receipt);
  /* A bad request records nothing. */
  allow = 1;
  CHECK(arbiter_ledger_record_decision(ledger, engine, "{not json", &allow, &decision, &receipt,
                                       &error) == ARBITER_INVALID_ARGUMENT);
  CHECK(allow == 0 && decision == NULL && receipt == NULL);
  CHECK(error != NULL && strstr(error, "<request>:1:2") != NULL);
  arbiter_string_free(error);
  CHECK(arbiter_ledger_record_decision(ledger, NULL, kAllow, &allow, &decision, &receipt,
                                       &error) == ARBITER_INVALID_ARGUMENT);
  arbiter_string_free(error);
  error = NULL;
  CHECK(arbiter_ledger_close(ledger, &error) == ARBITER_OK);
  CHECK(error == NULL);
  CHECK(arbiter_ledger_close(NULL, &error) == ARBITER_OK);

  /* Verify: with the ledger's key it verifies; the report is the JSON of `audit verify`. */
  char* report = NULL;
  CHECK(arbiter_ledger_verify(dir, pub, &report, &error) == ARBITER_OK);
  CHECK(error == NULL);
  CHECK(report != NULL && strstr(report, "\"ok\":true") != NULL);
  CHECK(report != NULL && strstr(report, "\"entries\":4,") != NULL);
  CHECK(report != NULL && strstr(report, "\"keys\":[\"c-api-test\"]") != NULL);
  arbiter_string_free(report);
  /* With another key it does not: no checkpoint is signed by a trusted key. */
  CHECK(arbiter_ledger_verify(dir, other, &report, &error) == ARBITER_CORRUPTION);
  CHECK(error != NULL);
  CHECK(report != NULL && strstr(report, "\"ok\":false") != NULL);
  CHECK(report != NULL && strstr(report, "\"problem\":\"\"") == NULL);
  arbiter_string_free(error);
  arbiter_string_free(report);
  error = NULL;
  /* Cannot be checked: no ledger, a private key given as the public one. */
  join(path, sizeof path, work, "no-ledger");
  CHECK(arbiter_ledger_verify(path, pub, &report, &error) == ARBITER_NOT_FOUND);
  CHECK(report == NULL && error != NULL);
  arbiter_string_free(error);
  CHECK(arbiter_ledger_verify(dir, key, &report, &error) == ARBITER_INVALID_ARGUMENT);
  CHECK(report == NULL && error != NULL && strstr(error, "private key") != NULL);
  arbiter_string_free(error);
  error = NULL;

  /* Reopened, the bundle's activation is not recorded again: the next decision is entry 4. */
  CHECK(arbiter_ledger_open(dir, key, &ledger, &error) == ARBITER_OK);
  CHECK(arbiter_ledger_record_decision(ledger, engine, kAllow, &allow, NULL, &receipt, &error) ==
        ARBITER_OK);
  CHECK(receipt != NULL && strstr(receipt, "\"seq\":4,") != NULL);
  arbiter_string_free(receipt);
  CHECK(arbiter_ledger_close(ledger, &error) == ARBITER_OK);
  CHECK(arbiter_ledger_verify(dir, pub, &report, NULL) == ARBITER_OK);
  CHECK(report != NULL && strstr(report, "\"entries\":5,") != NULL);
  arbiter_string_free(report);

  arbiter_engine_free(engine);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
    return 2;
  }
  const char* policy = ARBITER_SOURCE_DIR "/tests/engine/testdata/docs.arbiter";
  char* entities = read_file(ARBITER_SOURCE_DIR "/tests/engine/testdata/docs-entities.json");
  CHECK(entities != NULL);

  test_version();
  test_engine(policy, entities);
  test_schema(policy, entities);

  char work[4096];
  join(work, sizeof work, argv[1], "c-api-XXXXXX");
  mkdir(argv[1], 0755);
  if (!mkdtemp(work)) {
    perror(work);
    return 1;
  }
  test_ledger(work, policy, entities);
  remove_tree(work);

  free(entities);
  if (failures == 0) printf("c api: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
