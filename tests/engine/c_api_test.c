/* The C ABI, called from C. Exits non-zero on the first failed check. */
#include <arbiter/arbiter_c.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void) {
  const char* policy = ARBITER_SOURCE_DIR "/tests/engine/testdata/docs.arbiter";
  char* entities = read_file(ARBITER_SOURCE_DIR "/tests/engine/testdata/docs-entities.json");
  CHECK(entities != NULL);
  char* error = NULL;
  arbiter_engine* engine = arbiter_engine_open(&policy, 1, entities, &error);
  CHECK(engine != NULL);
  CHECK(error == NULL);
  if (!engine) {
    fprintf(stderr, "%s\n", error ? error : "?");
    return 1;
  }
  CHECK(strncmp(arbiter_engine_digest(engine), "sha256:", 7) == 0);

  char* json = NULL;
  int r = arbiter_decide(engine,
                         "{\"subject\":{\"type\":\"User\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
                         "\"resource\":{\"type\":\"Doc\",\"id\":\"d1\"}}",
                         &json, &error);
  CHECK(r == 1);
  CHECK(json != NULL && strstr(json, "\"decision\":\"allow\"") != NULL);
  CHECK(json != NULL && strstr(json, "docs.owners_read") != NULL);
  arbiter_string_free(json);

  r = arbiter_decide(engine,
                     "{\"subject\":{\"type\":\"User\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
                     "\"resource\":{\"type\":\"Doc\",\"id\":\"d2\"}}",
                     &json, &error);
  CHECK(r == 0);
  CHECK(json != NULL && strstr(json, "docs.archived") != NULL);
  arbiter_string_free(json);

  r = arbiter_decide(engine, "{not json", &json, &error);
  CHECK(r == -1);
  CHECK(json == NULL);
  CHECK(error != NULL && strstr(error, "<request>:1:2") != NULL);
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

  arbiter_engine_free(engine);
  free(entities);
  if (failures == 0) printf("c api: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
