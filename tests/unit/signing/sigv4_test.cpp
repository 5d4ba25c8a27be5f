// SigV4 against published vectors:
//  - S3 API reference, "Signature Calculations for the Authorization Header:
//    Transferring Payload in a Single Chunk" (GET Object, PUT Object, GET Bucket
//    Lifecycle, GET Bucket list objects), "Authenticating Requests: Using Query
//    Parameters" (presigned GET), "... Transferring Payload in Multiple Chunks"
//    and "... Including Trailing Headers" (seed, chunk and trailer signatures).
//    Credentials AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,
//    20130524T000000Z, us-east-1, s3. Intermediate values (canonical requests,
//    string-to-sign hashes) are the ones the pages print.
//  - The aws-sig-v4-test-suite (AKIDEXAMPLE, 20150830T123600Z, service
//    "service"), as carried by aws-sdk-js-v3 (packages/signature-v4/src/suite.fixture.ts).
//  - The signing-key example of the IAM guide ("iam", 20120215).
#include "moss/signing/sigv4.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace moss::signing {
namespace {

constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Date = "20130524T000000Z";
constexpr std::string_view kS3Scope = "20130524/us-east-1/s3/aws4_request";
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string key_hex(const SigningKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : key) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

struct Request {
  std::string method;
  std::string raw_path;
  std::string raw_query;
  HeaderList headers;
  std::vector<std::string> signed_headers;
  std::string payload_hash;
  bool presigned = false;
};

std::optional<std::string> canonical(const Request& r) {
  return canonical_request(CanonicalRequestInput{r.method, r.raw_path, r.raw_query, &r.headers,
                                                 &r.signed_headers, r.payload_hash, r.presigned});
}

std::string s3_signature(const Request& r) {
  auto creq = canonical(r);
  if (!creq) return "<no canonical request>";
  SigningKey key = derive_signing_key(kS3Secret, "20130524", "us-east-1", "s3");
  return sign(key, string_to_sign(kS3Date, kS3Scope, *creq));
}

std::string sts_hash(std::string_view sts) { return std::string(sts.substr(sts.rfind('\n') + 1)); }

// --- Signing key -----------------------------------------------------------

TEST(SigV4SigningKey, MatchesTheIamGuideExample) {
  SigningKey key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                      "us-east-1", "iam");
  EXPECT_EQ(key_hex(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// --- S3 Authorization-header examples --------------------------------------

Request get_object_request() {
  return {"GET",
          "/test.txt",
          "",
          {{"Host", "examplebucket.s3.amazonaws.com"},
           {"Range", "bytes=0-9"},
           {"x-amz-content-sha256", std::string(kEmptySha256)},
           {"x-amz-date", std::string(kS3Date)}},
          {"host", "range", "x-amz-content-sha256", "x-amz-date"},
          std::string(kEmptySha256)};
}

TEST(SigV4S3Examples, GetObjectWithRangeMatchesTheDocumentedSignature) {
  Request r = get_object_request();
  auto creq = canonical(r);
  ASSERT_TRUE(creq);
  EXPECT_EQ(
      *creq,
      "GET\n/test.txt\n\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts = string_to_sign(kS3Date, kS3Scope, *creq);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s3_signature(r), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

Request put_object_request(std::string raw_path) {
  return {"PUT",
          std::move(raw_path),
          "",
          {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
           {"Host", "examplebucket.s3.amazonaws.com"},
           {"x-amz-date", std::string(kS3Date)},
           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"x-amz-content-sha256",
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}},
          {"date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"},
          "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"};
}

TEST(SigV4S3Examples, PutObjectEncodesTheDollarInTheKey) {
  auto creq = canonical(put_object_request("/test$file.text"));
  ASSERT_TRUE(creq);
  EXPECT_EQ(creq->substr(0, creq->find('\n', 4) + 1), "PUT\n/test%24file.text\n");
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s3_signature(put_object_request("/test$file.text")),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3Examples, PutObjectSignsTheSameWhetherTheClientEscapedTheDollarOrNot) {
  EXPECT_EQ(s3_signature(put_object_request("/test%24file.text")),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

Request bucket_get_request(std::string raw_query) {
  return {"GET",
          "/",
          std::move(raw_query),
          {{"Host", "examplebucket.s3.amazonaws.com"},
           {"x-amz-date", std::string(kS3Date)},
           {"x-amz-content-sha256", std::string(kEmptySha256)}},
          {"host", "x-amz-content-sha256", "x-amz-date"},
          std::string(kEmptySha256)};
}

TEST(SigV4S3Examples, GetBucketLifecycleGivesTheValuelessParameterAnEmptyValue) {
  auto creq = canonical(bucket_get_request("lifecycle"));
  ASSERT_TRUE(creq);
  EXPECT_EQ(creq->substr(0, 16), "GET\n/\nlifecycle=");
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(s3_signature(bucket_get_request("lifecycle")),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjectsMatchesTheDocumentedSignature) {
  auto creq = canonical(bucket_get_request("max-keys=2&prefix=J"));
  ASSERT_TRUE(creq);
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s3_signature(bucket_get_request("max-keys=2&prefix=J")),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3Examples, ListObjectsSortsParametersSentInAnotherOrder) {
  EXPECT_EQ(s3_signature(bucket_get_request("prefix=J&max-keys=2")),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

constexpr std::string_view kPresignedQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

Request presigned_request() {
  return {"GET",
          "/test.txt",
          std::string(kPresignedQuery),
          {{"Host", "examplebucket.s3.amazonaws.com"}},
          {"host"},
          "UNSIGNED-PAYLOAD",
          true};
}

TEST(SigV4S3Examples, PresignedGetLeavesTheSignatureOutOfTheCanonicalQuery) {
  auto creq = canonical(presigned_request());
  ASSERT_TRUE(creq);
  EXPECT_EQ(*creq,
            "GET\n/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
            "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-"
            "Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(s3_signature(presigned_request()),
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4S3Examples, PresignedQueryParsesTheDocumentedUrl) {
  std::vector<std::pair<std::string, std::string>> query = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"},
      {"X-Amz-Date", "20130524T000000Z"},
      {"X-Amz-Expires", "86400"},
      {"X-Amz-SignedHeaders", "host"},
      {"X-Amz-Signature", "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"}};
  PresignedParseError error{};
  auto parsed = parse_presigned_query(query, &error);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->credential.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(parsed->credential.scope(), "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(parsed->amz_date, "20130524T000000Z");
  EXPECT_EQ(parsed->expires_seconds, 86400);
  EXPECT_EQ(parsed->signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(parsed->signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// --- Streaming (aws-chunked) examples --------------------------------------

Request streaming_request(std::string_view mode, bool with_trailer) {
  Request r{"PUT",
            "/examplebucket/chunkObject.txt",
            "",
            {{"Host", "s3.amazonaws.com"},
             {"x-amz-date", std::string(kS3Date)},
             {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
             {"x-amz-content-sha256", std::string(mode)},
             {"Content-Encoding", "aws-chunked"},
             {"x-amz-decoded-content-length", "66560"},
             {"Content-Length", "66824"}},
            {},
            std::string(mode)};
  if (with_trailer) {
    r.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32c");
    r.signed_headers = {"content-encoding",
                        "host",
                        "x-amz-content-sha256",
                        "x-amz-date",
                        "x-amz-decoded-content-length",
                        "x-amz-storage-class",
                        "x-amz-trailer"};
  } else {
    r.signed_headers = {"content-encoding",     "content-length", "host",
                        "x-amz-content-sha256", "x-amz-date",     "x-amz-decoded-content-length",
                        "x-amz-storage-class"};
  }
  return r;
}

TEST(SigV4Streaming, SeedSignatureMatchesTheChunkedUploadExample) {
  Request r = streaming_request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", false);
  auto creq = canonical(r);
  ASSERT_TRUE(creq);
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455");
  EXPECT_EQ(s3_signature(r), "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
}

TEST(SigV4Streaming, SeedSignatureMatchesTheTrailingHeaderExample) {
  Request r = streaming_request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", true);
  auto creq = canonical(r);
  ASSERT_TRUE(creq);
  EXPECT_EQ(sts_hash(string_to_sign(kS3Date, kS3Scope, *creq)),
            "44d48b8c2f70eae815a0198cc73d7a546a73a93359c070abbaa5e6c7de112559");
  EXPECT_EQ(s3_signature(r), "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
}

// SHA-256 of 65536 and of 1024 bytes of 'a', as the chunked-upload page prints them.
constexpr std::string_view kSha64KiBOfA =
    "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a";
constexpr std::string_view kSha1KiBOfA =
    "2edc986847e209b4016e141a6dc8716d3207350f416969382d431539bf292e4a";

TEST(SigV4Streaming, ChunkSignaturesChainFromTheSeed) {
  SigningKey key = derive_signing_key(kS3Secret, "20130524", "us-east-1", "s3");
  std::string sts1 = chunk_string_to_sign(
      kS3Date, kS3Scope, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
      kSha64KiBOfA);
  EXPECT_EQ(sts1,
            "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a");
  std::string sig1 = sign(key, sts1);
  EXPECT_EQ(sig1, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  std::string sig2 = sign(key, chunk_string_to_sign(kS3Date, kS3Scope, sig1, kSha1KiBOfA));
  EXPECT_EQ(sig2, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  std::string sig3 = sign(key, chunk_string_to_sign(kS3Date, kS3Scope, sig2, kEmptySha256));
  EXPECT_EQ(sig3, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

TEST(SigV4Streaming, TrailerChunkSignaturesChainFromTheTrailerSeed) {
  SigningKey key = derive_signing_key(kS3Secret, "20130524", "us-east-1", "s3");
  std::string sig1 = sign(
      key, chunk_string_to_sign(kS3Date, kS3Scope,
                                "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
                                kSha64KiBOfA));
  EXPECT_EQ(sig1, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2");
  std::string sig2 = sign(key, chunk_string_to_sign(kS3Date, kS3Scope, sig1, kSha1KiBOfA));
  EXPECT_EQ(sig2, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7");
  std::string sig3 = sign(key, chunk_string_to_sign(kS3Date, kS3Scope, sig2, kEmptySha256));
  EXPECT_EQ(sig3, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992");
}

TEST(SigV4Streaming, TrailerSignatureCoversTheCanonicalTrailers) {
  SigningKey key = derive_signing_key(kS3Secret, "20130524", "us-east-1", "s3");
  std::string sts = trailer_string_to_sign(
      kS3Date, kS3Scope, "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
      "x-amz-checksum-crc32c:sOO8/Q==\n");
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\n"
            "1e376db7e1a34a8ef1c4bcee131a2d60a1cb62503747488624e10995f448d774");
  EXPECT_EQ(sign(key, sts), "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435");
}

// --- aws-sig-v4-test-suite ----------------------------------------------------

struct SuiteCase {
  const char* name;
  const char* method;
  const char* raw_path;
  const char* raw_query;
  HeaderList extra_headers;  // besides Host and X-Amz-Date
  std::vector<std::string> signed_headers;
  const char* payload_hash;
  const char* signature;
};

// Names the case in test listings (instead of a dump of the struct's bytes).
void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name; }

class SigV4TestSuite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4TestSuite, ProducesThePublishedSignature) {
  const SuiteCase& c = GetParam();
  HeaderList headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  headers.insert(headers.end(), c.extra_headers.begin(), c.extra_headers.end());
  CanonicalRequestInput in{c.method, c.raw_path,        c.raw_query,
                           &headers, &c.signed_headers, c.payload_hash};
  auto creq = canonical_request(in);
  ASSERT_TRUE(creq) << c.name;
  SigningKey key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                      "us-east-1", "service");
  std::string sts =
      string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", *creq);
  EXPECT_EQ(sign(key, sts), c.signature) << c.name << "\n" << *creq;
}

const std::vector<std::string> kHostDate = {"host", "x-amz-date"};
const std::vector<std::string> kHostHeader1Date = {"host", "my-header1", "x-amz-date"};
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// SHA-256 of the body "Param1=value1".
constexpr const char* kFormBody =
    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

INSTANTIATE_TEST_SUITE_P(
    SigV4, SigV4TestSuite,
    ::testing::Values(
        SuiteCase{"get-vanilla",
                  "GET",
                  "/",
                  "",
                  {},
                  kHostDate,
                  kEmpty,
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get-vanilla-empty-query-key",
                  "GET",
                  "/",
                  "Param1=value1",
                  {},
                  kHostDate,
                  kEmpty,
                  "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
        SuiteCase{"get-vanilla-query-order-key-case",
                  "GET",
                  "/",
                  "Param2=value2&Param1=value1",
                  {},
                  kHostDate,
                  kEmpty,
                  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        SuiteCase{"get-vanilla-query-unreserved",
                  "GET",
                  "/",
                  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                  "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  {},
                  kHostDate,
                  kEmpty,
                  "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
        SuiteCase{"get-vanilla-utf8-query",
                  "GET",
                  "/",
                  "%E1%88%B4=bar",
                  {},
                  kHostDate,
                  kEmpty,
                  "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
        SuiteCase{"get-unreserved",
                  "GET",
                  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                  "",
                  {},
                  kHostDate,
                  kEmpty,
                  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
        SuiteCase{"get-utf8",
                  "GET",
                  "/%E1%88%B4",
                  "",
                  {},
                  kHostDate,
                  kEmpty,
                  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
        SuiteCase{"get-header-key-duplicate",
                  "GET",
                  "/",
                  "",
                  {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
                  kHostHeader1Date,
                  kEmpty,
                  "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
        SuiteCase{"get-header-value-order",
                  "GET",
                  "/",
                  "",
                  {{"My-Header1", "value4"},
                   {"My-Header1", "value1"},
                   {"My-Header1", "value3"},
                   {"My-Header1", "value2"}},
                  kHostHeader1Date,
                  kEmpty,
                  "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
        SuiteCase{"get-header-value-multiline",
                  "GET",
                  "/",
                  "",
                  {{"My-Header1", "value1,value2,value3"}},
                  kHostHeader1Date,
                  kEmpty,
                  "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"},
        SuiteCase{"get-header-value-trim",
                  "GET",
                  "/",
                  "",
                  {{"My-Header1", "  value1\t "}, {"My-Header2", "\"a   b   c\""}},
                  {"host", "my-header1", "my-header2", "x-amz-date"},
                  kEmpty,
                  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
        SuiteCase{"post-vanilla",
                  "POST",
                  "/",
                  "",
                  {},
                  kHostDate,
                  kEmpty,
                  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
        SuiteCase{"post-header-key-sort",
                  "POST",
                  "/",
                  "",
                  {{"My-Header1", "value1"}},
                  kHostHeader1Date,
                  kEmpty,
                  "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
        SuiteCase{"post-header-value-case",
                  "POST",
                  "/",
                  "",
                  {{"My-Header1", "VALUE1"}},
                  kHostHeader1Date,
                  kEmpty,
                  "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
        SuiteCase{"post-vanilla-query",
                  "POST",
                  "/",
                  "Param1=value1",
                  {},
                  kHostDate,
                  kEmpty,
                  "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
        SuiteCase{"post-vanilla-query-space",
                  "POST",
                  "/",
                  "p=",
                  {},
                  kHostDate,
                  kEmpty,
                  "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b"},
        SuiteCase{"post-vanilla-query-nonunreserved",
                  "POST",
                  "/",
                  "%40%23%24%25%5E&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
                  {},
                  kHostDate,
                  kEmpty,
                  "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
        SuiteCase{"post-x-www-form-urlencoded",
                  "POST",
                  "/",
                  "",
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  {"content-type", "host", "x-amz-date"},
                  kFormBody,
                  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
        SuiteCase{"post-x-www-form-urlencoded-parameters",
                  "POST",
                  "/",
                  "",
                  {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
                  {"content-type", "host", "x-amz-date"},
                  kFormBody,
                  "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"}),
    [](const ::testing::TestParamInfo<SuiteCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// --- Canonical request details ---------------------------------------------

Request minimal(std::string raw_path, std::string raw_query = "") {
  return {"GET",    std::move(raw_path), std::move(raw_query), {{"Host", "h"}},
          {"host"}, "UNSIGNED-PAYLOAD"};
}

std::string uri_line(const Request& r) {
  auto creq = canonical(r);
  if (!creq) return "<nullopt>";
  size_t start = creq->find('\n') + 1;
  return creq->substr(start, creq->find('\n', start) - start);
}

std::string query_line(const Request& r) {
  auto creq = canonical(r);
  if (!creq) return "<nullopt>";
  size_t start = creq->find('\n', creq->find('\n') + 1) + 1;
  return creq->substr(start, creq->find('\n', start) - start);
}

TEST(SigV4CanonicalRequest, EmptyPathBecomesSlash) { EXPECT_EQ(uri_line(minimal("")), "/"); }

TEST(SigV4CanonicalRequest, DotSegmentsAreKeptAsSent) {
  EXPECT_EQ(uri_line(minimal("/bucket/a/./b/../c")), "/bucket/a/./b/../c");
}

TEST(SigV4CanonicalRequest, PathEscapesAreNormalisedToUppercase) {
  EXPECT_EQ(uri_line(minimal("/%e1%88%b4%7e")), "/%E1%88%B4~");
}

TEST(SigV4CanonicalRequest, PathReservedCharactersAreEncodedButSlashesKept) {
  EXPECT_EQ(uri_line(minimal("/b/a b+c=d&e:f")), "/b/a%20b%2Bc%3Dd%26e%3Af");
}

TEST(SigV4CanonicalRequest, EscapedSlashInThePathStaysEscaped) {
  EXPECT_EQ(uri_line(minimal("/b/a%2fb")), "/b/a%2Fb");
}

TEST(SigV4CanonicalRequest, MalformedPathEscapeIsRejected) {
  EXPECT_FALSE(canonical(minimal("/a%zz")));
  EXPECT_FALSE(canonical(minimal("/a%4")));
  EXPECT_FALSE(canonical(minimal("/a%")));
}

TEST(SigV4CanonicalRequest, QueryPlusStaysALiteralPlus) {
  EXPECT_EQ(query_line(minimal("/", "prefix=a+b")), "prefix=a%2Bb");
}

TEST(SigV4CanonicalRequest, QueryValuesEncodeSlashAndSpace) {
  EXPECT_EQ(query_line(minimal("/", "prefix=a/b%20c")), "prefix=a%2Fb%20c");
}

TEST(SigV4CanonicalRequest, QuerySortsByNameThenValue) {
  EXPECT_EQ(query_line(minimal("/", "b=2&a=2&a=1&A=3")), "A=3&a=1&a=2&b=2");
}

TEST(SigV4CanonicalRequest, QueryEmptySegmentsAreIgnored) {
  EXPECT_EQ(query_line(minimal("/", "&uploads&")), "uploads=");
}

TEST(SigV4CanonicalRequest, MalformedQueryEscapeIsRejected) {
  EXPECT_FALSE(canonical(minimal("/", "a=%G1")));
  EXPECT_FALSE(canonical(minimal("/", "%=1")));
}

TEST(SigV4CanonicalRequest, SignatureParameterIsKeptWhenNotPresigned) {
  EXPECT_EQ(query_line(minimal("/", "X-Amz-Signature=ab")), "X-Amz-Signature=ab");
}

TEST(SigV4CanonicalRequest, MissingSignedHeaderIsRejected) {
  Request r = minimal("/");
  r.signed_headers = {"host", "x-amz-date"};
  EXPECT_FALSE(canonical(r));
}

TEST(SigV4CanonicalRequest, NullHeaderListsAreRejected) {
  EXPECT_FALSE(canonical_request(CanonicalRequestInput{"GET", "/", "", nullptr, nullptr, ""}));
}

TEST(SigV4CanonicalRequest, HeaderValuesAreTrimmedCollapsedAndJoined) {
  Request r = minimal("/");
  r.headers = {{"HOST", "h"}, {"x-amz-meta-a", " \tone  \t two "}, {"X-Amz-Meta-A", "three"}};
  r.signed_headers = {"host", "x-amz-meta-a"};
  auto creq = canonical(r);
  ASSERT_TRUE(creq);
  EXPECT_EQ(*creq,
            "GET\n/\n\nhost:h\nx-amz-meta-a:one two,three\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

// --- Authorization header ----------------------------------------------------

TEST(SigV4AuthorizationHeader, ParsesTheSpacedAwsForm) {
  auto parsed = parse_authorization_header(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-date, "
      "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->credential.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(parsed->credential.date, "20130524");
  EXPECT_EQ(parsed->credential.region, "us-east-1");
  EXPECT_EQ(parsed->credential.service, "s3");
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "range", "x-amz-date"}));
  EXPECT_EQ(parsed->signature, "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024");
}

TEST(SigV4AuthorizationHeader, ParsesTheCompactFormInAnyOrderWithSpacesAroundEquals) {
  auto parsed = parse_authorization_header(
      "AWS4-HMAC-SHA256  Signature = "
      "FE5F80F77D5FA3BECA038A248FF027D0445342FE2855DDC963176630326F1024,SignedHeaders=Host;X-Amz-"
      "Date ,Credential= AKID/20150830/us-east-1/service/aws4_request ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->credential.scope(), "20150830/us-east-1/service/aws4_request");
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(parsed->signature, "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024");
}

TEST(SigV4AuthorizationHeader, RejectsOtherAlgorithms) {
  EXPECT_FALSE(parse_authorization_header(
      "AWS4-ECDSA-P256-SHA256 Credential=AKID/20130524/s3/aws4_request, SignedHeaders=host, "
      "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"));
  EXPECT_FALSE(parse_authorization_header("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="));
  EXPECT_FALSE(parse_authorization_header(
      "AWS4-HMAC-SHA256Credential=AKID/20130524/us-east-1/s3/aws4_request,SignedHeaders=host,"
      "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"));
}

TEST(SigV4AuthorizationHeader, RejectsMissingDuplicateOrUnknownParameters) {
  const std::string sig =
      "Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
  const std::string cred = "Credential=AKID/20130524/us-east-1/s3/aws4_request";
  EXPECT_FALSE(parse_authorization_header("AWS4-HMAC-SHA256 " + cred + ", " + sig));
  EXPECT_FALSE(parse_authorization_header("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " +
                                          sig + ", " + sig));
  EXPECT_FALSE(parse_authorization_header("AWS4-HMAC-SHA256 " + cred +
                                          ", SignedHeaders=host, Foo=bar, " + sig));
  EXPECT_FALSE(parse_authorization_header("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, " + sig));
  EXPECT_FALSE(
      parse_authorization_header("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;a, " + sig));
  EXPECT_FALSE(parse_authorization_header("AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " +
                                          sig + ","));
}

TEST(SigV4AuthorizationHeader, RejectsASignatureThatIsNot64HexDigits) {
  const std::string prefix =
      "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, "
      "Signature=";
  EXPECT_FALSE(parse_authorization_header(prefix + std::string(63, 'a')));
  EXPECT_FALSE(parse_authorization_header(prefix + std::string(65, 'a')));
  EXPECT_FALSE(parse_authorization_header(prefix + std::string(63, 'a') + "g"));
  EXPECT_TRUE(parse_authorization_header(prefix + std::string(64, 'a')));
}

TEST(SigV4Credential, RequiresFivePartsEndingInAws4Request) {
  EXPECT_TRUE(parse_credential("AKID/20130524/us-east-1/s3/aws4_request"));
  EXPECT_FALSE(parse_credential("AKID/20130524/us-east-1/aws4_request"));
  EXPECT_FALSE(parse_credential("AKID/20130524/us-east-1/s3/aws4_request/x"));
  EXPECT_FALSE(parse_credential("AKID/20130524/us-east-1/s3/aws5_request"));
  EXPECT_FALSE(parse_credential("/20130524/us-east-1/s3/aws4_request"));
  EXPECT_FALSE(parse_credential("AKID/20130524//s3/aws4_request"));
  EXPECT_FALSE(parse_credential("AKID/2013-05-24/us-east-1/s3/aws4_request"));
}

// --- Presigned query -----------------------------------------------------------

std::vector<std::pair<std::string, std::string>> presigned_params() {
  return {{"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
          {"X-Amz-Credential", "AKID/20130524/us-east-1/s3/aws4_request"},
          {"X-Amz-Date", "20130524T000000Z"},
          {"X-Amz-Expires", "3600"},
          {"X-Amz-SignedHeaders", "host;x-amz-meta-a"},
          {"X-Amz-Signature", std::string(64, 'b')},
          {"response-content-type", "text/plain"}};
}

std::optional<PresignedParseError> presigned_error(
    const std::vector<std::pair<std::string, std::string>>& params) {
  PresignedParseError error{};
  if (parse_presigned_query(params, &error)) return std::nullopt;
  return error;
}

void set_param(std::vector<std::pair<std::string, std::string>>& params, std::string_view name,
               std::string value) {
  for (auto& [n, v] : params) {
    if (n == name) v = std::move(value);
  }
}

TEST(SigV4PresignedQuery, ParsesSignedHeadersAndIgnoresOtherParameters) {
  auto parsed = parse_presigned_query(presigned_params(), nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-meta-a"}));
  EXPECT_EQ(parsed->expires_seconds, 3600);
}

TEST(SigV4PresignedQuery, WithoutSignatureOrCredentialIsNotPresigned) {
  EXPECT_EQ(presigned_error({{"prefix", "a"}}), PresignedParseError::kNotPresigned);
  EXPECT_EQ(presigned_error({}), PresignedParseError::kNotPresigned);
}

TEST(SigV4PresignedQuery, OtherAlgorithmIsUnsupported) {
  auto params = presigned_params();
  set_param(params, "X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256");
  EXPECT_EQ(presigned_error(params), PresignedParseError::kUnsupportedAlgorithm);
}

TEST(SigV4PresignedQuery, ExpiresIsParsedButNotRangeChecked) {
  auto params = presigned_params();
  set_param(params, "X-Amz-Expires", "604801");
  auto parsed = parse_presigned_query(params, nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->expires_seconds, 604801);
  set_param(params, "X-Amz-Expires", "0");
  EXPECT_TRUE(parse_presigned_query(params, nullptr));
}

TEST(SigV4PresignedQuery, NonNumericOrNegativeExpiresIsMalformed) {
  for (std::string bad : {"-1", "", "12s", "+5", "99999999999999999999999"}) {
    auto params = presigned_params();
    set_param(params, "X-Amz-Expires", bad);
    EXPECT_EQ(presigned_error(params), PresignedParseError::kMalformed) << bad;
  }
}

TEST(SigV4PresignedQuery, MissingOrDuplicateParametersAreMalformed) {
  for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    auto params = presigned_params();
    std::erase_if(params, [&](const auto& p) { return p.first == name; });
    EXPECT_EQ(presigned_error(params), PresignedParseError::kMalformed) << name;
  }
  auto params = presigned_params();
  params.emplace_back("X-Amz-Date", "20130524T000001Z");
  EXPECT_EQ(presigned_error(params), PresignedParseError::kMalformed);
}

TEST(SigV4PresignedQuery, BadCredentialOrSignatureIsMalformed) {
  auto params = presigned_params();
  set_param(params, "X-Amz-Credential", "AKID/20130524/us-east-1/s3");
  EXPECT_EQ(presigned_error(params), PresignedParseError::kMalformed);
  params = presigned_params();
  set_param(params, "X-Amz-Signature", "abc");
  EXPECT_EQ(presigned_error(params), PresignedParseError::kMalformed);
}

// --- Constant-time comparison ------------------------------------------------

TEST(SigV4ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abc", ""));
}

}  // namespace
}  // namespace moss::signing
