// Ordering and mail-loop truncation of MX hosts, as Postfix's smtp_addr.c
// does them. Pure functions: the randomness comes from the caller.
#pragma once

#include <string>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "resolver-svc/dns/dns_answer.h"
#include "resolver-svc/routes/own_addresses.h"
#include "resolver-svc/routes/route.h"

namespace mxd {

// Sorts by preference (lowest first), in random order among equal
// preferences so that load spreads over equal MX hosts.
void SortMxRecords(std::vector<MxRecord>& mx, absl::BitGenRef gen);

// Whether `mx` is a null MX (RFC 7505: a single "0 ." record). A root target
// among other records is dropped instead.
bool IsNullMx(const std::vector<MxRecord>& mx);
void DropRootTargets(std::vector<MxRecord>& mx);

struct TruncateResult {
  bool found_myself = false;
  // Preference of the first route that is this system, when found.
  uint32_t my_preference = 0;
};

// Mail-loop truncation: when a route (sorted by preference) has an address in
// `own`, drop it and every route with the same or a worse preference, so we
// never relay to ourselves or to backups behind us.
TruncateResult TruncateAtSelf(std::vector<Route>& routes, const OwnAddresses& own);

}  // namespace mxd
