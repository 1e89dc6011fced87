#include "common/crypto.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace forge {
namespace {

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}
std::string Unhex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "crypto_test.XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abc").size(), kSha256Bytes);
  EXPECT_EQ(Hex(Sha256("abc")), Sha256Hex("abc"));
}

// RFC 8032 section 7.1, TEST 2.
TEST(Ed25519Test, MatchesRfc8032Vector) {
  auto key = Ed25519PrivateKey::FromSeed(Unhex(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(key->public_key()),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  auto sig = key->Sign(Unhex("72"));
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(Hex(*sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_TRUE(VerifyEd25519(key->public_key(), Unhex("72"), *sig).ok());
}

TEST(Ed25519Test, VerifyRejectsAlteredMessageSignatureOrKey) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  auto sig = key->Sign("chain head 42");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifyEd25519(key->public_key(), "chain head 42", *sig).ok());

  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyEd25519(key->public_key(), "chain head 43", *sig)));
  std::string bad_sig = *sig;
  bad_sig[10] ^= 1;
  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyEd25519(key->public_key(), "chain head 42", bad_sig)));
  auto other = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyEd25519(other->public_key(), "chain head 42", *sig)));

  EXPECT_TRUE(absl::IsInvalidArgument(
      VerifyEd25519(key->public_key(), "m", sig->substr(1))));
  EXPECT_TRUE(absl::IsInvalidArgument(
      VerifyEd25519(key->public_key().substr(1), "m", *sig)));
}

TEST(Ed25519Test, FromSeedRejectsWrongLength) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(Ed25519PrivateKey::FromSeed("short").status()));
}

TEST(Ed25519Test, LoadOrGeneratePersistsWithMode0600AndReloadsSameKey) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.key";
  auto first = Ed25519PrivateKey::LoadOrGenerate(path);
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto second = Ed25519PrivateKey::LoadOrGenerate(path);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->public_key(), second->public_key());
  auto sig = second->Sign("x");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifyEd25519(first->public_key(), "x", *sig).ok());

  // No temporary files are left behind.
  ASSERT_EQ(std::system(
                ("test \"$(ls -A '" + dir.path() + "')\" = audit.key").c_str()),
            0);
}

TEST(Ed25519Test, LoadRefusesKeyReadableByOthers) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.key";
  ASSERT_TRUE(Ed25519PrivateKey::LoadOrGenerate(path).ok());
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto loaded = Ed25519PrivateKey::LoadOrGenerate(path);
  EXPECT_TRUE(absl::IsPermissionDenied(loaded.status())) << loaded.status();
}

TEST(Ed25519Test, LoadRejectsGarbageAndMissingFile) {
  TempDir dir;
  const std::string path = dir.path() + "/garbage.key";
  std::ofstream(path) << "not a key\n";
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(absl::IsInvalidArgument(Ed25519PrivateKey::Load(path).status()));
  EXPECT_TRUE(absl::IsNotFound(
      Ed25519PrivateKey::Load(dir.path() + "/missing.key").status()));
}

TEST(Ed25519Test, PublicKeyPemRoundTrips) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  auto pem = Ed25519PublicKeyToPem(key->public_key());
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_NE(pem->find("BEGIN PUBLIC KEY"), std::string::npos);
  auto raw = Ed25519PublicKeyFromPem(*pem);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(*raw, key->public_key());
  EXPECT_FALSE(Ed25519PublicKeyFromPem("garbage").ok());
}

TEST(Ed25519Test, PrivateKeyPemIsPkcs8) {
  auto key = Ed25519PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  auto pem = key->ToPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
}

}  // namespace
}  // namespace forge
