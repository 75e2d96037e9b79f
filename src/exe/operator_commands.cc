#include "exe/operator_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "security/authz/token.h"

namespace trustcse::exe {
namespace {

namespace bj = boost::json;

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Writes `text` to `path` (mode 0600 when `secret`), or to stdout when path is empty.
bool Output(const std::string& path, const std::string& text, bool secret = false) {
  if (path.empty()) {
    std::cout << text;
    return true;
  }
  // A secret never lands in a file others can read: no following a planted symlink, and an
  // existing file is narrowed to 0600 before anything is written to it.
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (secret ? O_NOFOLLOW : 0);
  int fd = ::open(path.c_str(), flags, secret ? 0600 : 0644);
  if (fd < 0 || (secret && ::fchmod(fd, 0600) != 0)) {
    PrintError("cannot write " + path + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) PrintError("cannot write " + path + ": " + std::strerror(errno));
  return ok;
}

std::string Field(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}

class Commands final : public OperatorCommands {
 public:
  Commands(CLI::App& app, InstanceFlags& flags) {
    auto instance_options = [&](CLI::App* cmd) { AddInstanceOptions(cmd, flags); };
    // The certificate authority.
    ca = app.add_subcommand("ca", "the built-in certificate authority");
    ca->require_subcommand(1);
    ca_init = ca->add_subcommand("init", "create the CA (EC P-256) and print its certificate");
    instance_options(ca_init);
    ca_init->add_option("--cn", cn, "common name of the CA");
    ca_init->add_option("--days", days, "validity in days (default 3650)");
    ca_init->add_option("--out", out_file, "write the CA certificate here");
    ca_cert = ca->add_subcommand("cert", "print the CA certificate");
    instance_options(ca_cert);
    ca_cert->add_option("--out", out_file, "write it here");
    ca_issue = ca->add_subcommand("issue", "issue a device or application certificate");
    instance_options(ca_issue);
    ca_issue->add_option("--id", ids, "AE-ID or CSE-ID to certify (repeatable)")->required();
    ca_issue->add_option("--csr", csr_file, "certificate signing request (PEM)")
        ->check(CLI::ExistingFile);
    ca_issue->add_flag("--generate", generate, "generate the key pair here (written once to --key-out)");
    ca_issue->add_option("--key-out", key_out, "where a generated private key goes (mode 0600)");
    ca_issue->add_option("--days", days, "validity in days (default 365)");
    ca_issue->add_option("--not-before", not_before,
                         "start of validity, YYYYMMDDThhmmss (default now; may be in the past)");
    ca_issue->add_option("--out", out_file, "write the certificate here");
    ca_issue->add_option("--imei", imei,
                         "the device's IMEI, certified as urn:gsma:imei (SIM binding)");
    ca_renew = ca->add_subcommand("renew", "a new certificate for the same key and IDs");
    instance_options(ca_renew);
    ca_renew->add_option("--serial", serial, "serial of the certificate to renew (hex)")->required();
    ca_renew->add_option("--days", days, "validity in days (default 365)");
    ca_renew->add_option("--out", out_file, "write the certificate here");
    ca_revoke = ca->add_subcommand("revoke", "revoke a certificate");
    instance_options(ca_revoke);
    ca_revoke->add_option("--serial", serial, "serial of the certificate (hex)")->required();
    ca_revoke->add_option("--reason", reason, "why");
    ca_crl = ca->add_subcommand("crl", "print the current CRL (PEM)");
    instance_options(ca_crl);
    ca_crl->add_option("--out", out_file, "write it here");

    // Credentials.
    cred = app.add_subcommand("credential", "device and application credentials");
    cred->require_subcommand(1);
    cred_add = cred->add_subcommand("add", "register a PSK or a pinned public key");
    instance_options(cred_add);
    cred_add->add_option("--psk-identity", cred_id, "PSK identity (the Credential-ID)");
    cred_add->add_option("--psk", psk_hex, "the pre-shared key, hex (at least 16 bytes)");
    cred_add->add_flag("--generate", generate, "generate a 256-bit PSK and print it once");
    cred_add->add_option("--pinned-key", pinned_file,
                         "a self-signed certificate or public key (PEM) to pin")
        ->check(CLI::ExistingFile);
    cred_add->add_option("--id", ids, "AE-ID or CSE-ID the credential may act as (repeatable)");
    cred_add->add_flag("--bootstrap", bootstrap, "a bootstrap credential: enrolment only, once");
    cred_add->add_option("--expires-days", expires_days, "expire after this many days");
    cred_add->add_option("--note", note, "operator's note (device serial, …)");
    cred_list = cred->add_subcommand("list", "list credentials (no secrets)");
    instance_options(cred_list);
    cred_revoke = cred->add_subcommand("revoke", "revoke a credential");
    instance_options(cred_revoke);
    cred_revoke->add_option("id", cred_id, "Credential-ID")->required();
    cred_revoke->add_option("--reason", reason, "why");
    cred_attest = cred->add_subcommand(
        "attest", "record that a certificate's or pinned key's private key is held in hardware");
    instance_options(cred_attest);
    cred_attest->add_option("id", cred_id, "Credential-ID")->required();
    cred_attest->add_option("--evidence", note, "what was checked (attestation, SE model)")
        ->required();
    cred_attest->add_option("--imei", imei, "the device whose secure element holds the key");
    cred_attest->add_option("--imsi", imsi, "the SIM that holds the key (e.g. IoT SAFE): IMSI");
    cred_attest->add_option("--iccid", iccid, "the SIM that holds the key: ICCID");

    // Enrolment tokens.
    etok = app.add_subcommand("enrol-token", "one-time enrolment tokens");
    etok->require_subcommand(1);
    etok_create = etok->add_subcommand("create", "create a token and print it (once)");
    instance_options(etok_create);
    etok_create->add_option("--id", ids, "AE-ID or CSE-ID the enrolled credential is bound to");
    etok_create->add_option("--ttl", ttl_seconds, "lifetime in seconds (default one day)");
    etok_create->add_option("--note", note, "operator's note (device serial, …)");
    etok_list = etok->add_subcommand("list", "list tokens (their hashes, not the tokens)");
    instance_options(etok_list);

    // The minimal authorization server role: issue an access token signed with the token key.
    token = app.add_subcommand("token", "access tokens for dynamic authorization");
    issue = token->add_subcommand("issue", "print a signed access token");
    issue->add_option("--key-file", key_file, "token key file (the server's authz.token_key_file)")
        ->required()->check(CLI::ExistingFile);
    issue->add_option("--holder", holder, "AE-ID that may present the token")->required();
    issue->add_option("--resource", resources, "structured path the token covers (repeatable)")
        ->required();
    issue->add_option("--acop", acop, "operations granted (bitmask: 1 C, 2 R, 4 U, 8 D, 16 N, 32 D)");
    issue->add_option("--privileges", privileges, "privileges as ACP rules, {\"acr\":[…]}");
    issue->add_option("--ttl", ttl, "lifetime in seconds")->check(CLI::Range(1, 86400));
    issue->add_option("--audience", audience, "CSE-ID of the CSE that accepts it");
    token->require_subcommand(1);
  }

  std::optional<int> RunWithoutInstance() override {
    if (!issue->parsed()) return std::nullopt;
    auto key = security::ReadTokenKey(key_file);
    if (!key) {
      PrintError("token issue: " + key.error().message());
      return kExitUsage;
    }
    if (privileges.empty()) {
      if (acop < 1 || acop > 63) {
        PrintError("token issue: give --privileges or --acop (1..63)");
        return kExitUsage;
      }
      privileges = json::Serialize(bj::object{
          {"acr", bj::array{bj::object{{"acor", bj::array{bj::string(holder)}}, {"acop", acop}}}}});
    }
    security::TokenIssuer issuer(std::move(*key), audience);
    security::TokenRequest req{holder, {audience}, resources, privileges,
                                        std::chrono::seconds(ttl)};
    auto jws = issuer.Issue(req, Now());
    if (!jws) {
      PrintError("token issue: " + jws.error().message());
      return kExitUsage;
    }
    std::cout << *jws << "\n";
    return kExitOk;
  }

  bool parsed() const override {
    for (const CLI::App* c : {ca_init, ca_cert, ca_issue, ca_renew, ca_revoke, ca_crl, cred_add,
                              cred_list, cred_revoke, cred_attest, etok_create, etok_list}) {
      if (c->parsed()) return true;
    }
    return false;
  }

  int Run(const server::Config& config, const std::string& config_file) override {
    std::string op;
    bj::object args;
    auto id_array = [&] {
      bj::array a;
      for (const auto& i : ids) a.emplace_back(i);
      return a;
    };
    if (ca_init->parsed()) {
      op = "ca.init";
      if (!cn.empty()) args["cn"] = cn;
      if (days > 0) args["days"] = days;
    } else if (ca_cert->parsed()) {
      op = "ca.cert";
    } else if (ca_issue->parsed()) {
      op = "ca.issue";
      args["ids"] = id_array();
      if (generate) {
        if (key_out.empty()) {
          PrintError("ca issue: --generate needs --key-out for the private key");
          return kExitUsage;
        }
        args["generate"] = true;
      } else {
        auto csr = ReadFile(csr_file);
        if (csr_file.empty() || !csr) {
          PrintError("ca issue: give --csr FILE or --generate --key-out FILE");
          return kExitUsage;
        }
        args["csr"] = *csr;
      }
      if (days > 0) args["days"] = days;
      if (!not_before.empty()) args["not_before"] = not_before;
      if (!imei.empty()) args["imei"] = imei;
    } else if (ca_renew->parsed()) {
      op = "ca.renew";
      args["serial"] = serial;
      if (days > 0) args["days"] = days;
    } else if (ca_revoke->parsed()) {
      op = "ca.revoke";
      args["serial"] = serial;
      args["reason"] = reason;
    } else if (ca_crl->parsed()) {
      op = "ca.crl";
    } else if (cred_add->parsed()) {
      op = "credential.add";
      args["ids"] = id_array();
      args["bootstrap"] = bootstrap;
      if (!note.empty()) args["note"] = note;
      if (expires_days > 0) args["expires_days"] = expires_days;
      if (!pinned_file.empty()) {
        args["kind"] = "pinned-key";
        auto pem = ReadFile(pinned_file);
        if (!pem) {
          PrintError("credential add: cannot read the pinned key " + pinned_file);
          return kExitUsage;
        }
        args["public_key"] = std::move(*pem);
      } else {
        if (cred_id.empty() || (psk_hex.empty() == !generate)) {
          PrintError("credential add: give --psk-identity with --psk HEX or --generate, or --pinned-key FILE");
          return kExitUsage;
        }
        args["kind"] = "psk";
        args["id"] = cred_id;
        if (generate) args["generate"] = true;
        else args["psk"] = psk_hex;
      }
    } else if (etok_create->parsed()) {
      op = "enrol-token.create";
      args["ids"] = id_array();
      args["ttl_seconds"] = ttl_seconds;
      if (!note.empty()) args["note"] = note;
    } else if (etok_list->parsed()) {
      op = "enrol-token.list";
    } else if (cred_list->parsed()) {
      op = "credential.list";
    } else if (cred_revoke->parsed()) {
      op = "credential.revoke";
      args["id"] = cred_id;
      args["reason"] = reason;
    } else if (cred_attest->parsed()) {
      op = "credential.attest";
      args["id"] = cred_id;
      args["evidence"] = note;
      for (auto [k, v] : {std::pair{"imei", &imei}, {"imsi", &imsi}, {"iccid", &iccid}}) {
        if (!v->empty()) args[k] = *v;
      }
    }
    bj::object r;
    if (int rc = RunOperation(config, config_file, op, args, r); rc != kExitOk) return rc;
    if (op == "ca.init" || op == "ca.cert") return Output(out_file, Field(r, "certificate")) ? 0 : 1;
    if (op == "ca.crl") return Output(out_file, Field(r, "crl")) ? 0 : 1;
    if (op == "ca.issue" || op == "ca.renew") {
      if (r.contains("key") && !Output(key_out, Field(r, "key"), /*secret=*/true)) return 1;
      std::cerr << "serial " << Field(r, "serial") << " (credential " << Field(r, "credential")
                << "), valid until " << Field(r, "not_after") << "\n";
      return Output(out_file, Field(r, "certificate")) ? 0 : 1;
    }
    if (op == "credential.add") {
      const auto& c = r.at("credential").as_object();
      std::cout << "credential " << Field(c, "id") << "\n";
      if (r.contains("psk")) std::cout << "psk " << Field(r, "psk") << "\n";
      return 0;
    }
    if (op == "enrol-token.create") {
      std::cout << Field(r, "token") << "\n";
      std::cerr << "expires " << Field(r, "expires") << "\n";
      return 0;
    }
    if (op == "credential.list") {
      for (const auto& v : r.at("credentials").as_array()) {
        const auto& c = v.as_object();
        std::string idlist;
        for (const auto& i : c.at("ids").as_array()) {
          idlist += (idlist.empty() ? "" : ",") + std::string(i.as_string());
        }
        std::cout << Field(c, "id") << "\t" << Field(c, "kind") << "\t" << Field(c, "use") << "\t"
                  << (c.at("active").as_bool() ? "active" : "inactive") << "\t"
                  << (idlist.empty() ? "-" : idlist) << "\n";
      }
      return 0;
    }
    std::cout << json::Serialize(r) << "\n";
    return 0;
  }

 private:
  CLI::App* ca = nullptr;
  std::string cn, csr_file, out_file, key_out, serial, reason, not_before;
  std::string imei, imsi, iccid;  // the hardware a key is in (SIM binding)
  std::vector<std::string> ids;
  int days = 0;
  bool generate = false;
  CLI::App* ca_init = nullptr;
  CLI::App* ca_cert = nullptr;
  CLI::App* ca_issue = nullptr;
  CLI::App* ca_renew = nullptr;
  CLI::App* ca_revoke = nullptr;
  CLI::App* ca_crl = nullptr;
  CLI::App* cred = nullptr;
  std::string cred_id, psk_hex, pinned_file, note;
  bool bootstrap = false;
  int expires_days = 0;
  CLI::App* cred_add = nullptr;
  CLI::App* cred_list = nullptr;
  CLI::App* cred_revoke = nullptr;
  CLI::App* cred_attest = nullptr;
  CLI::App* etok = nullptr;
  int ttl_seconds = 24 * 3600;
  CLI::App* etok_create = nullptr;
  CLI::App* etok_list = nullptr;
  CLI::App* token = nullptr;
  CLI::App* issue = nullptr;
  std::string key_file, holder, privileges, audience = "/id-in";
  std::vector<std::string> resources;
  int acop = 0, ttl = 300;
};

}  // namespace

std::unique_ptr<OperatorCommands> OperatorCommands::Add(CLI::App& app, InstanceFlags& flags) {
  return std::make_unique<Commands>(app, flags);
}

}  // namespace trustcse::exe
