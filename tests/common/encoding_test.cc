#include <catch2/catch.hpp>

#include "common/encoding.h"
#include "common/sha256.h"

using namespace arbiter;

TEST_CASE("hex round-trips and rejects bad text") {
  std::vector<uint8_t> bytes = {0x00, 0x01, 0xab, 0xff};
  CHECK(HexEncode(bytes) == "0001abff");
  CHECK(HexDecode("0001ABff").value() == bytes);
  CHECK_FALSE(HexDecode("abc").has_value());
  CHECK_FALSE(HexDecode("zz").has_value());
}

TEST_CASE("base64 matches RFC 4648 test vectors") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(Base64Encode(AsBytes(plain)) == encoded);
    auto decoded = Base64Decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(std::string(decoded->begin(), decoded->end()) == plain);
  }
  CHECK_FALSE(Base64Decode("Zg=").has_value());
  CHECK_FALSE(Base64Decode("Z===").has_value());
  CHECK_FALSE(Base64Decode("Zg=a").has_value());
  CHECK_FALSE(Base64Decode("Zm9v\n").has_value());
}

TEST_CASE("sha256 of the empty string and of 'abc'") {
  CHECK(HexEncode(Sha256Of("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HexEncode(Sha256().Update("a").Update("bc").Final()) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
