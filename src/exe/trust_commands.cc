#include "exe/trust_commands.h"

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <vector>

#include "exe/bulk_command.h"

namespace trustcse::exe {
namespace {

namespace bj = boost::json;

// kJson: a JSON value given inline, or read from a file named after "@" (as curl does).
enum class Kind { kText, kList, kInt, kKyc, kFlag, kJson };
struct Opt {
  const char* flag;  // "--company"
  const char* key;   // "company"
  const char* help;
  Kind kind = Kind::kText;
  bool required = false;
};
struct Verb {
  const char* group;
  const char* name;
  const char* help;
  std::vector<Opt> opts;
};

// The descriptive fields of a machine, shared by device add and device update.
std::vector<Opt> MachineFields() {
  return {
      {"--entity", "entities", "AE-ID of this machine (repeatable)", Kind::kList},
      {"--credential", "credentials", "Credential-ID of this machine (repeatable)", Kind::kList},
      {"--imei", "imei", "IMEI (15 digits, Luhn-checked; 14 gets its check digit)"},
      {"--serial", "serial", "serial number"},
      {"--eid", "eid", "eUICC ID (32 digits)"},
      {"--iccid", "iccid", "SIM ICCID (19-20 digits, Luhn-checked)"},
      {"--imsi", "imsi", "SIM IMSI (MCC, MNC, MSIN)"},
      {"--mnc-digits", "mnc_digits", "digits of the IMSI's MNC (2 or 3; default by MCC)",
       Kind::kInt},
      {"--model", "model", "device model"},
      {"--certification", "certification", "the model's certification reference"},
      {"--capability", "capability", "capabilities"},
      {"--configuration", "configuration", "configuration"},
      {"--purpose", "purpose", "what the machine is for (use case)"},
      {"--location", "location", "where it is"},
      {"--binding", "binding",
       "SIM binding: off, learn (the first IMEI/SIM seen) or strict (--allowed-imei)"},
      {"--allowed-imei", "allowed_imeis", "strict binding: a device the SIM may be in (repeatable)",
       Kind::kList}};
}

std::vector<Verb> Verbs() {
  std::vector<Verb> v = {
      {"provider",
       "add",
       "register an M2M or application service provider (prints its ID)",
       {{"--company", "company", "company name", Kind::kText, true},
        {"--contact", "contact", "contact (e-mail, phone)", Kind::kText, true},
        {"--kind", "kind", "m2m (default) or asp"},
        {"--start", "start", "start date, YYYYMMDDThhmmss (default now)"}}},
      {"provider", "list", "list the providers", {}},
      {"app",
       "add",
       "register an application (prints its App-ID)",
       {{"--provider", "provider", "the provider's registration ID", Kind::kText, true},
        {"--name", "name", "application name", Kind::kText, true},
        {"--class", "class", "use-case class: CQS CQN CBS CBN NQS NQN NBS NBN", Kind::kText, true},
        {"--practice-statement", "practice_statement", "reference of its practice statement",
         Kind::kText, true}}},
      {"app",
       "update",
       "suspend or resume an application, change its class or statement",
       {{"--id", "id", "App-ID", Kind::kText, true},
        {"--status", "status", "active or suspended"},
        {"--class", "class", "use-case class"},
        {"--practice-statement", "practice_statement", "reference of its practice statement"}}},
      {"app", "list", "list the applications", {{"--provider", "provider", "of one provider"}}},
      {"list",
       "add",
       "black- or greylist an IMEI, IMSI, ICCID, credential, AE-ID or prefix",
       {{"--list", "list", "black (refused, sessions closed) or grey", Kind::kText, true},
        {"--kind", "kind", "imei, imsi, iccid, credential, ae or prefix", Kind::kText, true},
        {"--value", "value", "the identity (a prefix: 10.1.0.0/16)", Kind::kText, true},
        {"--reason", "reason", "why", Kind::kText, true},
        {"--owner", "owner", "who investigates"},
        {"--expires", "expires", "until, YYYYMMDDThhmmss"},
        {"--ttl", "ttl_seconds", "for this many seconds", Kind::kInt},
        {"--mode", "mode", "greylist: suspend (default) or read-only"},
        {"--override", "override", "also for machines of critical classes", Kind::kFlag}}},
      {"list",
       "remove",
       "take an identity off its list",
       {{"--kind", "kind", "imei, imsi, iccid, credential, ae or prefix", Kind::kText, true},
        {"--value", "value", "the identity", Kind::kText, true}}},
      {"list",
       "show",
       "print the entries",
       {{"--list", "list", "black or grey"},
        {"--limit", "limit", "at most this many", Kind::kInt}}},
      {"device",
       "transfer",
       "transfer a machine to a new owner and/or provider (history kept)",
       {{"--id", "id", "machine ID", Kind::kText, true},
        {"--owner", "owner", "the new owner"},
        {"--provider", "provider", "the new responsible provider"},
        {"--reason", "reason", "why"}}},
      {"device",
       "flag",
       "flag a machine as compromised: its services are blocked",
       {{"--id", "id", "machine ID", Kind::kText, true},
        {"--reason", "reason", "why", Kind::kText, true}}},
      {"device",
       "unflag",
       "clear a machine's flag",
       {{"--id", "id", "machine ID", Kind::kText, true}}},
      {"device",
       "authorize",
       "accept the SIM/device pairing that locked a machine (it becomes the bound one)",
       {{"--id", "id", "machine ID", Kind::kText, true}, {"--reason", "reason", "why"}}},
      {"device",
       "unlock",
       "clear a machine's lock and keep its binding (the SIM is back in its device)",
       {{"--id", "id", "machine ID", Kind::kText, true}, {"--reason", "reason", "why"}}},
      {"device",
       "query",
       "ask a machine's AEs to report identity and configuration (compared with its record)",
       {{"--id", "id", "machine ID", Kind::kText, true}}},
      {"device",
       "show",
       "print a machine's record",
       {{"--id", "id", "machine ID", Kind::kText, true}}},
      {"device",
       "list",
       "list machines (1,000 at a time; --after the last one for more)",
       {{"--app", "app", "of one application"},
        {"--after", "after", "start after this machine ID"},
        {"--limit", "limit", "at most this many (1-10000)", Kind::kInt}}},
  };
  Verb add{"device",
           "add",
           "record a machine (Machine-KYC)",
           {{"--app", "app", "its App-ID", Kind::kText, true},
            {"--id", "id", "machine ID (default: one is issued)"},
            {"--owner", "owner", "its owner"},
            {"--provider", "provider", "responsible provider (default: the application's)"}}};
  Verb update{"device",
              "update",
              "change a machine's record (not its owner or provider)",
              {{"--id", "id", "machine ID", Kind::kText, true},
               {"--user-kyc", "user_kyc", "verified or unverified: the owner's KYC", Kind::kKyc}}};
  for (auto& o : MachineFields()) {
    add.opts.push_back(o);
    update.opts.push_back(o);
  }
  v.insert(v.begin() + 5, std::move(add));
  v.insert(v.begin() + 6, std::move(update));
  const Opt profile{"--profile", "profile",
                    "the profile, JSON or @file: {operations, paths, types, sources, bindings, "
                    "rate, burst}",
                    Kind::kJson};
  v.push_back({"subscription",
               "add",
               "give a machine its device subscription (least-privilege profile)",
               {{"--machine", "machine", "machine ID", Kind::kText, true},
                {"--id", "id", "subscription ID (default: one is issued)"},
                {"--state", "state", "provisioned (default) or active"},
                profile}});
  Opt required_profile = profile;
  required_profile.required = true;
  v.push_back({"subscription",
               "update",
               "replace a subscription's profile",
               {{"--id", "id", "subscription ID", Kind::kText, true}, required_profile}});
  for (const char* verb : {"activate", "resume", "suspend", "quarantine", "terminate"}) {
    v.push_back({"subscription",
                 verb,
                 "lifecycle: provisioned → active ⇄ suspended → terminated; quarantined",
                 {{"--id", "id", "subscription ID", Kind::kText, true},
                  {"--reason", "reason", "why (recorded in its history)"},
                  {"--override", "override", "a critical class: suspend or quarantine anyway",
                   Kind::kFlag}}});
  }
  v.push_back({"bulk",
               "show",
               "where a bulk job stands (device import, subscription import|bulk)",
               {{"--job", "job", "the job (as the import or bulk command named it)", Kind::kText,
                 true}}});
  v.push_back({"subscription",
               "show",
               "print a subscription",
               {{"--id", "id", "subscription ID", Kind::kText, true}}});
  v.push_back({"subscription",
               "list",
               "list subscriptions (1,000 at a time; --after the last one for more)",
               {{"--machine", "machine", "of one machine"},
                {"--after", "after", "start after this subscription ID"},
                {"--limit", "limit", "at most this many (1-10000)", Kind::kInt}}});
  return v;
}

// The value of a kJson option: inline JSON, or the contents of the file after "@".
Result<bj::value> JsonArgument(const std::string& text) {
  std::string body = text;
  if (text.starts_with("@")) {
    std::ifstream in(text.substr(1));
    if (!in) return Err(Status::BadRequest("cannot read " + text.substr(1)));
    body.assign(std::istreambuf_iterator<char>(in), {});
  }
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec) return Err(Status::BadRequest("not JSON: " + ec.message()));
  return v;
}

class Commands final : public TrustCommands {
 public:
  Commands(CLI::App& app, InstanceFlags& flags) {
    std::map<std::string, CLI::App*> groups;
    groups["provider"] = app.add_subcommand("provider", "trust centre: service providers");
    groups["app"] = app.add_subcommand("app", "trust centre: applications and their classes");
    groups["device"] = app.add_subcommand("device", "trust centre: Machine-KYC records");
    groups["list"] = app.add_subcommand("list", "trust centre: black- and greylists");
    groups["subscription"] =
        app.add_subcommand("subscription", "trust centre: device subscriptions and their least-privilege profiles");
    groups["bulk"] = app.add_subcommand("bulk", "trust centre: bulk jobs run from files");
    for (auto& [name, g] : groups) g->require_subcommand(1);
    AddBulkCommands(groups, flags);
    AddExplain(app, flags);
    for (Verb& verb : Verbs()) {
      auto cmd = std::make_unique<Command>();
      cmd->op = std::string(verb.group) + "." + verb.name;
      cmd->app = groups[verb.group]->add_subcommand(verb.name, verb.help);
      AddInstanceOptions(cmd->app, flags);
      cmd->opts = verb.opts;
      cmd->values.resize(verb.opts.size());
      cmd->lists.resize(verb.opts.size());
      for (size_t i = 0; i < verb.opts.size(); ++i) {
        const Opt& o = verb.opts[i];
        CLI::Option* opt =
            o.kind == Kind::kList   ? cmd->app->add_option(o.flag, cmd->lists[i], o.help)
            : o.kind == Kind::kFlag ? cmd->app->add_flag(o.flag, o.help)
                                    : cmd->app->add_option(o.flag, cmd->values[i], o.help);
        if (o.kind == Kind::kInt) opt->check(CLI::Number);
        if (o.kind == Kind::kKyc) opt->check(CLI::IsMember({"verified", "unverified"}));
        if (o.required) opt->required();
      }
      commands_.push_back(std::move(cmd));
    }
  }

  bool parsed() const override {
    for (const auto& c : commands_) {
      if (c->app->parsed()) return true;
    }
    for (const auto& b : bulk_) {
      if (b->app->parsed()) return true;
    }
    return explain_.app->parsed();
  }

  int Run(const server::Config& config, const std::string& config_file) override {
    if (explain_.app->parsed()) return RunExplain(config, config_file);
    for (const auto& b : bulk_) {
      if (!b->app->parsed()) continue;
      BulkJobSpec spec = b->spec;
      if (spec.op == "subscription.bulk") {
        spec.fixed["to"] = b->to;
        if (!b->reason.empty()) spec.fixed["reason"] = b->reason;
        if (b->override_critical) spec.fixed["override"] = true;
      }
      return RunBulkJob(spec, config, config_file);
    }
    for (const auto& c : commands_) {
      if (!c->app->parsed()) continue;
      bj::object args;
      for (size_t i = 0; i < c->opts.size(); ++i) {
        const Opt& o = c->opts[i];
        if (o.kind == Kind::kList) {
          if (c->app->get_option(o.flag)->count() == 0) continue;
          bj::array a;
          for (const auto& s : c->lists[i]) a.emplace_back(s);
          args[o.key] = std::move(a);
          continue;
        }
        if (c->app->get_option(o.flag)->count() == 0) continue;
        if (o.kind == Kind::kFlag)
          args[o.key] = true;
        else if (o.kind == Kind::kInt)
          args[o.key] = std::stoll(c->values[i]);
        else if (o.kind == Kind::kKyc)
          args[o.key] = c->values[i] == "verified";
        else if (o.kind == Kind::kJson) {
          auto v = JsonArgument(c->values[i]);
          if (!v) {
            std::cerr << "trustcse: " << o.flag << ": " << v.error().message() << "\n";
            return kExitUsage;
          }
          args[o.key] = std::move(*v);
        }
        else
          args[o.key] = c->values[i];
      }
      bj::object r;
      if (int rc = RunOperation(config, config_file, c->op, args, r); rc != kExitOk) return rc;
      std::cout << bj::serialize(r) << "\n";
      return kExitOk;
    }
    return kExitUsage;
  }

 private:
  // trustcse explain: the request described by flags, the trust centre's answer and each check.
  struct ExplainCommand {
    CLI::App* app = nullptr;
    std::string originator, op = "retrieve", to, binding = "https", credential, source, api;
    int ty = 0;
    bool json = false;
  } explain_;

  void AddExplain(CLI::App& app, InstanceFlags& flags) {
    ExplainCommand& e = explain_;
    e.app = app.add_subcommand(
        "explain", "why the trust centre would allow or refuse a request (nothing changes)");
    AddInstanceOptions(e.app, flags);
    e.app->add_option("--originator", e.originator, "who asks: the AE-ID")->required();
    e.app->add_option("--op", e.op, "create, retrieve (default), update, delete, notify, discover")
        ->check(CLI::IsMember({"create", "retrieve", "update", "delete", "notify", "discover"}));
    e.app->add_option("--to", e.to, "the target's path (cse-in/trk1/data)");
    e.app->add_option("--ty", e.ty, "the resource type a create makes (2: an AE registration)");
    e.app->add_option("--binding", e.binding, "http, https (default), coap, coaps, mqtt, mqtts, "
                                              "ws or wss");
    e.app->add_option("--credential", e.credential,
                      "the Credential-ID its channel authenticated (a secure binding)");
    e.app->add_option("--source", e.source, "the client's IP address");
    e.app->add_option("--api", e.api,
                      "the App-ID a registration names, or an AE without a machine record "
                      "registered with");
    e.app->add_flag("--json", e.json, "print the answer as JSON");
  }

  int RunExplain(const server::Config& config, const std::string& config_file) {
    const ExplainCommand& e = explain_;
    bj::object args{{"originator", e.originator}, {"op", e.op}, {"binding", e.binding}};
    for (auto [k, v] : {std::pair{"to", &e.to}, {"credential", &e.credential},
                        {"source", &e.source}, {"api", &e.api}}) {
      if (!v->empty()) args[k] = *v;
    }
    if (e.ty != 0) args["ty"] = e.ty;
    bj::object r;
    if (int rc = RunOperation(config, config_file, "explain", args, r); rc != kExitOk) return rc;
    if (e.json) {
      std::cout << bj::serialize(r) << "\n";
      return kExitOk;
    }
    auto text = [&](const bj::object& o, std::string_view k) {
      const bj::value* v = o.if_contains(k);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    std::cout << e.originator << " " << e.op << (e.to.empty() ? "" : " " + e.to)
              << (e.ty != 0 ? " (ty " + std::to_string(e.ty) + ")" : "") << " over " << e.binding
              << ": " << text(r, "decision");
    if (r.contains("rsc")) std::cout << " " << bj::serialize(r.at("rsc")) << ": " << text(r, "message");
    std::cout << "\n";
    for (const auto& s : r.at("steps").as_array()) {
      const auto& o = s.as_object();
      char line[64];
      std::snprintf(line, sizeof line, "  %-20s %-10s ", text(o, "check").c_str(),
                    text(o, "result").c_str());
      std::cout << line << text(o, "detail") << "\n";
    }
    if (!r.at("obligations").as_array().empty()) {
      std::cout << "  obligations: " << bj::serialize(r.at("obligations")) << "\n";
    }
    if (r.contains("then")) std::cout << "  then " << text(r, "then") << "\n";
    if (r.contains("note")) std::cout << "  note: " << text(r, "note") << "\n";
    return kExitOk;
  }

  struct BulkCommand {
    CLI::App* app = nullptr;
    BulkJobSpec spec;
    std::string to, reason;
    bool override_critical = false;
  };

  // device import, subscription import, subscription bulk (exe/bulk_command.h).
  void AddBulkCommands(std::map<std::string, CLI::App*>& groups, InstanceFlags& flags) {
    const char* formats = "a .csv (header row), .jsonl (one item per line) or .json (an array)";
    struct Def {
      const char *group, *name, *op, *help, *file_help;
    };
    const Def defs[] = {
        {"device", "import", "device.import",
         "record machines from a file, resumably (as device add, one per item)",
         "the machines: device add's fields (app, id, entities, imei, …)"},
        {"subscription", "import", "subscription.import",
         "give machines their subscriptions from a file, resumably (as subscription add)",
         "the subscriptions: machine, id, state, profile (JSON)"},
        {"subscription", "bulk", "subscription.bulk",
         "move the subscriptions listed in a file to a state, resumably (suspend a fleet)",
         "the subscription IDs (a CSV's id column)"}};
    for (const Def& d : defs) {
      auto b = std::make_unique<BulkCommand>();
      b->spec.op = d.op;
      b->app = groups[d.group]->add_subcommand(d.name, d.help);
      AddInstanceOptions(b->app, flags);
      b->app->add_option("file", b->spec.file, std::string(d.file_help) + ": " + formats)
          ->required()
          ->check(CLI::ExistingFile);
      b->app->add_option("--job", b->spec.job,
                         "the job's name (default: named after the operation and the file, so "
                         "that the same command resumes it)");
      b->app->add_option("--batch", b->spec.batch, "items per batch (default and most: 5000)")
          ->check(CLI::Range(1, 5000));
      if (b->spec.op == "subscription.bulk") {
        b->app->add_option("--to", b->to, "the state: active, suspended, quarantined, terminated")
            ->required()
            ->check(CLI::IsMember({"active", "suspended", "quarantined", "terminated"}));
        b->app->add_option("--reason", b->reason, "why (recorded in each history)");
        b->app->add_flag("--override", b->override_critical,
                         "critical classes: suspend or quarantine them too (needs --reason)");
      }
      bulk_.push_back(std::move(b));
    }
  }

  std::vector<std::unique_ptr<BulkCommand>> bulk_;
  struct Command {
    std::string op;
    CLI::App* app = nullptr;
    std::vector<Opt> opts;
    std::vector<std::string> values;
    std::vector<std::vector<std::string>> lists;
  };
  std::vector<std::unique_ptr<Command>> commands_;
};

}  // namespace

std::unique_ptr<TrustCommands> TrustCommands::Add(CLI::App& app, InstanceFlags& flags) {
  return std::make_unique<Commands>(app, flags);
}

}  // namespace trustcse::exe
