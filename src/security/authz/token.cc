#include "security/authz/token.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "security/crypto/crypto.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

using crypto::Base64Url;
using crypto::FromBase64Url;

std::string Sign(const std::string& key, std::string_view data) {
  return crypto::HmacSha256(key, data);
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
  if (!crypto::ConstantTimeEquals(*signature, expected)) {
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
  auto rnd = crypto::RandomBytes(12);
  if (!rnd) return Err(rnd.error());
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
  claims["jti"] = Base64Url(*rnd);
  claims["pv"] = std::move(*pv);
  std::string signing_input = Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                              Base64Url(json::Serialize(claims));
  return signing_input + "." + Base64Url(Sign(key_, signing_input));
}

Result<std::string> ReadTokenKey(const std::string& path) {
  // Whoever reads this key can mint tokens: like every key file, owner-only.
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Err(Status::BadRequest("the token key file " + path +
                                  " must not be accessible by group or others (chmod 600)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(Status::BadRequest("cannot read the token key file"));
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 32) return Err(Status::BadRequest("the token key must hold at least 32 bytes"));
  return key;
}

}  // namespace trustcse::security
