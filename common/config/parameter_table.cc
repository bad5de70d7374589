// Every mxd parameter, declared once: Postfix's name, type, default and
// meaning, in parts by subject (parameters_general.cc, parameters_smtp.cc,
// parameters_tls_sasl.cc). Services read them through Config;
// `--print-defaults` and docs/parameters.md are generated from the table.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/config/parameter.h"
#include "common/config/parameter_groups.h"

namespace mxd {

absl::Span<const ParameterSpec> AllParameters() {
  static const std::vector<ParameterSpec>* const all = [] {
    auto* v = new std::vector<ParameterSpec>();
    for (absl::Span<const ParameterSpec> part :
         {GeneralParameters(), SmtpParameters(), TlsSaslParameters()}) {
      v->insert(v->end(), part.begin(), part.end());
    }
    return v;
  }();
  return *all;
}

const ParameterSpec* FindParameter(absl::string_view name) {
  absl::Span<const ParameterSpec> all = AllParameters();
  auto it = std::find_if(all.begin(), all.end(), [&](const ParameterSpec& p) { return p.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::string ParametersMarkdown() {
  std::string out =
      "# mxd parameters\n\n"
      "Generated from the parameter table (`common/config/parameters_*.cc`) by `resolver-svc "
      "--print-parameters` "
      "(a test checks that this file is current). Set them in the main.cf-style file given with "
      "`--config` (`name = value`, `#` comments, continuation lines that start with white space, "
      "`$name` expansion) or with `-o name=value` on the command line. Time values take Postfix's "
      "units: s, m, h, d, w.\n\n"
      "| parameter | type | default | used by | meaning |\n|---|---|---|---|---|\n";
  for (const ParameterSpec& p : AllParameters()) {
    absl::string_view type = "string";
    switch (p.type) {
      case ParamType::kBool: type = "yes/no"; break;
      case ParamType::kInt: type = "number"; break;
      case ParamType::kTime: type = "time"; break;
      case ParamType::kString: type = "string"; break;
      case ParamType::kList: type = "list"; break;
      case ParamType::kChoice: type = "choice"; break;
    }
    std::string dflt = p.dynamic_default ? "(this host's name)" : absl::StrCat("`", p.default_value, "`");
    if (!p.dynamic_default && p.default_value.empty()) dflt = "(empty)";
    absl::string_view users = p.users == kBothSvcs      ? "both"
                              : p.users == kResolverSvc ? "resolver-svc"
                                                        : "delivery-svc";
    absl::StrAppend(&out, "| `", p.name, "` | ", type, " | ", dflt, " | ", users, " | ",
                    absl::StrReplaceAll(p.description, {{"|", "\\|"}}), " |\n");
  }
  return out;
}

}  // namespace mxd
