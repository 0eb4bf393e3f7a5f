// Signing-key rotation: a key is in /jwks before it signs, and stays there until every token it
// signed has expired; keys live in the store and are shared by every server on it.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "oauth/keys.h"

#include <gtest/gtest.h>

#include <map>

#include "as_fixture.h"

namespace bastion::oauth::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class Keys : public AsFixture {
 protected:
  std::vector<std::string> publishedKids() {
    auto r = get("/jwks");
    EXPECT_EQ(r.status, 200);
    std::vector<std::string> kids;
    const auto body = json(r);
    for (const auto& k : body.at("keys").as_array()) {
      kids.push_back(str(k.as_object(), "kid"));
    }
    return kids;
  }

  bool published(const std::string& kid) {
    auto kids = publishedKids();
    return std::find(kids.begin(), kids.end(), kid) != kids.end();
  }

  std::string signingKid() {
    auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
    EXPECT_TRUE(token);
    return token ? str(jwtPart(*token, 0), "kid") : std::string();
  }
};

TEST_F(Keys, JwksPublishesPublicP256KeysOnly) {
  // /jwks holds EC P-256 public keys for ES256 and no private member.
  auto r = get("/jwks");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header(r, "content-type"), "application/jwk-set+json");
  auto keys = json(r).at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  const auto& k = keys[0].as_object();
  EXPECT_EQ(str(k, "kty"), "EC");
  EXPECT_EQ(str(k, "crv"), "P-256");
  EXPECT_EQ(str(k, "alg"), "ES256");
  EXPECT_EQ(str(k, "use"), "sig");
  EXPECT_FALSE(k.contains("d"));
  EXPECT_EQ(crypto::base64UrlDecode(str(k, "x"))->size(), 32u);
  EXPECT_EQ(str(k, "kid"), signingKid());
}

TEST_F(Keys, KeyPublishedBeforeItSigns) {
  // Walking 40 days hour by hour, every key that signs was in /jwks at least the lead time
  // (key_lifetime / 10 = 1 day) before its first signature; the first key is the exception.
  const auto lead = hours(24);
  std::map<std::string, Clock::time_point> first_published;
  std::map<std::string, Clock::time_point> first_signed;
  for (int hour = 0; hour < 24 * 40; ++hour) {
    for (const auto& kid : publishedKids()) {
      first_published.emplace(kid, clock_.now());
    }
    first_signed.emplace(signingKid(), clock_.now());
    clock_.advance(hours(1));
  }
  ASSERT_GE(first_signed.size(), 4u);  // 40 days of 10-day keys: at least three rotations
  int rotations = 0;
  for (const auto& [kid, signed_at] : first_signed) {
    ASSERT_TRUE(first_published.contains(kid));
    if (first_published[kid] == Clock::time_point{std::chrono::seconds(1'800'000'000)}) {
      continue;  // the first key: nobody can hold a token of ours before it
    }
    ++rotations;
    EXPECT_GE(signed_at - first_published[kid], lead) << kid;
  }
  EXPECT_GE(rotations, 3);
}

TEST_F(Keys, RetiredKeyStaysUntilTokensExpire) {
  // A token signed just before its key retires still verifies until it expires; then the key
  // leaves /jwks.
  const std::string old_kid = signingKid();
  clock_.advance(hours(24 * 9));
  ASSERT_EQ(publishedKids().size(), 2u);   // the successor is out, a day ahead
  clock_.advance(hours(24) - minutes(1));  // one minute before retirement
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  ASSERT_EQ(str(jwtPart(*token, 0), "kid"), old_kid);
  clock_.advance(minutes(2));  // retired: a successor signs now
  EXPECT_NE(signingKid(), old_kid);
  EXPECT_TRUE(published(old_kid));
  EXPECT_FALSE(verifyError(*token).has_value());
  clock_.advance(minutes(7));  // the token has a minute left
  EXPECT_TRUE(published(old_kid));
  EXPECT_FALSE(verifyError(*token).has_value());
  clock_.advance(minutes(12));  // the token and the skew allowance are past
  EXPECT_FALSE(published(old_kid));
  EXPECT_TRUE(verifyError(*token).has_value());
}

TEST_F(Keys, LongLivedTokenKeepsItsKeyPublished) {
  // `bastion token issue --ttl 72h` pushes the key's removal past the token's expiry.
  const std::string kid = signingKid();
  clock_.advance(hours(24 * 10) - hours(1));
  auto token = as_->issueAccessToken("svc", {"files:read"}, hours(72));
  ASSERT_TRUE(token);
  ASSERT_EQ(str(jwtPart(*token, 0), "kid"), kid);
  clock_.advance(hours(70));
  EXPECT_TRUE(published(kid));
  EXPECT_FALSE(verifyError(*token).has_value());
}

TEST_F(Keys, KeysPersistAcrossRestart) {
  // A restarted server (same store) signs with the same key and accepts earlier tokens.
  const std::string kid = signingKid();
  auto token = as_->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  createServer();
  EXPECT_EQ(signingKid(), kid);
  EXPECT_FALSE(verifyError(*token).has_value());
}

TEST_F(Keys, KeyMadeByAnotherProcessIsFound) {
  // A token signed with a key another server on the same store created (e.g. the CLI after a
  // rotation) verifies: an unknown kid makes the verifier re-read the store.
  auto second = store::openStore("sqlite::memory:");  // a different store: a foreign key
  ASSERT_TRUE(second);
  AsDependencies d;
  d.store = *second;
  d.clock = &clock_;
  auto foreign = AuthorizationServer::create(options(), d);
  ASSERT_TRUE(foreign);
  auto foreign_token = (*foreign)->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(foreign_token);
  EXPECT_EQ(verifyError(*foreign_token), auth::AuthError::UnknownKid);

  // Same store, new key: delete ours so a second server must create one, then verify with the
  // first server, which has not seen it yet.
  auto keys = store_->signingKeys();
  ASSERT_TRUE(keys);
  for (const auto& k : *keys) {
    ASSERT_TRUE(store_->deleteSigningKey(k.kid));
  }
  AsDependencies same;
  same.store = store_;
  same.clock = &clock_;
  auto sibling = AuthorizationServer::create(options(), same);
  ASSERT_TRUE(sibling);
  auto token = (*sibling)->issueAccessToken("alice", {"files:read"}, minutes(10));
  ASSERT_TRUE(token);
  // Re-reading on an unknown kid is rate-limited to once a second: within the same second as
  // the foreign token's attempt the new key is not looked for yet.
  EXPECT_EQ(verifyError(*token), auth::AuthError::UnknownKid);
  clock_.advance(seconds(1));
  EXPECT_FALSE(verifyError(*token).has_value());
}

TEST_F(Keys, CorruptStoredKeyRefused) {
  // A stored private key that is not a P-256 key stops the server rather than being used.
  store::SigningKey bad;
  bad.kid = "bad";
  bad.private_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  bad.created = clock_.now() + seconds(1);
  bad.signs_from = bad.created;
  bad.retire_after = bad.created + hours(1);
  bad.remove_after = bad.created + hours(2);
  ASSERT_TRUE(store_->putSigningKey(bad));
  AsDependencies d;
  d.store = store_;
  d.clock = &clock_;
  EXPECT_FALSE(AuthorizationServer::create(options(), d));
}

}  // namespace
}  // namespace bastion::oauth::testing
