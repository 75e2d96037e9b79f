#include "security/authz/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

std::string Base64Url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view in) {
  if (in.size() > 16384) return std::nullopt;
  std::string b64(in);
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  while (b64.size() % 4) b64.push_back('=');
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string Sign(const std::string& key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

Status Refuse(std::string why) { return Status::NoPrivilege(std::move(why)); }

std::vector<std::string> Strings(const bj::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  } else if (v && v->is_string()) {
    out.emplace_back(v->get_string());
  }
  return out;
}

int64_t Seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

TokenVerifier::TokenVerifier(std::string key, std::string audience)
    : key_(std::move(key)), audience_(std::move(audience)) {}

Result<VerifiedToken> TokenVerifier::Verify(std::string_view jws, TimePoint now) const {
  auto dot1 = jws.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : jws.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jws.find('.', dot2 + 1) != std::string_view::npos) {
    return Err(Refuse("token is not a compact JWS"));
  }
  auto header = FromBase64Url(jws.substr(0, dot1));
  auto payload = FromBase64Url(jws.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = FromBase64Url(jws.substr(dot2 + 1));
  if (!header || !payload || !signature) return Err(Refuse("token is not valid base64url"));
  auto h = json::Parse(*header);
  if (!h || !h->is_object() || json::GetString(h->get_object(), "alg").value_or("") != "HS256") {
    return Err(Refuse("token algorithm is not HS256"));
  }
  std::string expected = Sign(key_, jws.substr(0, dot2));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return Err(Refuse("token signature does not verify"));
  }
  auto p = json::Parse(*payload);
  if (!p || !p->is_object()) return Err(Refuse("token payload is not a JSON object"));
  const auto& claims = p->get_object();
  auto nbf = json::GetInt(claims, "nbf");
  auto exp = json::GetInt(claims, "exp");
  int64_t t = Seconds(now);
  if (!exp || t >= *exp) return Err(Refuse("token expired"));
  if (nbf && t < *nbf) return Err(Refuse("token not yet valid"));
  bool for_us = false;
  for (const auto& a : Strings(claims.if_contains("aud"))) for_us = for_us || a == audience_;
  if (!for_us) return Err(Refuse("token is for another audience"));
  VerifiedToken out;
  out.id = std::string(json::GetString(claims, "jti").value_or(""));
  out.holder = std::string(json::GetString(claims, "hldr").value_or(""));
  if (out.holder.empty()) return Err(Refuse("token names no holder"));
  out.resources = Strings(claims.if_contains("res"));
  auto pv = CompiledPrivileges::Compile(claims.if_contains("pv"));
  if (!pv) return Err(Refuse("token privileges do not compile"));
  out.privileges = std::make_shared<const CompiledPrivileges>(std::move(*pv));
  return out;
}

TokenIssuer::TokenIssuer(std::string key, std::string issuer)
    : key_(std::move(key)), issuer_(std::move(issuer)) {}

Result<std::string> TokenIssuer::Issue(const TokenRequest& r, TimePoint now) const {
  auto pv = json::Parse(r.privileges_json);
  if (!pv) return Err(pv.error());
  if (auto c = CompiledPrivileges::Compile(&*pv); !c) return Err(c.error());
  if (r.holder.empty() || r.audience.empty() || r.resources.empty()) {
    return Err(Status::BadRequest("a token needs a holder, an audience and resources"));
  }
  unsigned char rnd[12];
  if (RAND_bytes(rnd, sizeof rnd) != 1) return Err(Status::Internal("no randomness"));
  bj::object claims;
  claims["iss"] = issuer_;
  claims["hldr"] = r.holder;
  bj::array aud, res;
  for (const auto& a : r.audience) aud.emplace_back(a);
  for (const auto& x : r.resources) res.emplace_back(x);
  claims["aud"] = std::move(aud);
  claims["res"] = std::move(res);
  claims["nbf"] = Seconds(now);
  claims["exp"] = Seconds(now + r.lifetime);
  claims["jti"] = Base64Url(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd));
  claims["pv"] = std::move(*pv);
  std::string signing_input = Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                              Base64Url(json::Serialize(claims));
  return signing_input + "." + Base64Url(Sign(key_, signing_input));
}

Result<std::string> ReadTokenKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(Status::BadRequest("cannot read the token key file"));
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 32) return Err(Status::BadRequest("the token key must hold at least 32 bytes"));
  return key;
}

}  // namespace trustcse::security
