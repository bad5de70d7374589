// The parts of the one parameter table, each in its own file by subject;
// AllParameters() (parameter.h) joins them in this order.
#pragma once

#include "absl/types/span.h"
#include "common/config/parameter.h"

namespace mxd {

absl::Span<const ParameterSpec> GeneralParameters();  // parameters_general.cc
absl::Span<const ParameterSpec> SmtpParameters();     // parameters_smtp.cc
absl::Span<const ParameterSpec> TlsSaslParameters();  // parameters_tls_sasl.cc

}  // namespace mxd
