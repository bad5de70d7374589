#include "resolver-svc/routes/mx_sort.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "resolver-svc/routes/own_addresses.h"

namespace mxd {

void SortMxRecords(std::vector<MxRecord>& mx, absl::BitGenRef gen) {
  // Shuffle, then a stable sort: equal preferences keep the random order.
  for (size_t i = mx.size(); i > 1; --i) {
    std::swap(mx[i - 1], mx[absl::Uniform<size_t>(gen, 0, i)]);
  }
  std::stable_sort(mx.begin(), mx.end(),
                   [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
}

bool IsNullMx(const std::vector<MxRecord>& mx) { return mx.size() == 1 && mx[0].host.empty(); }

void DropRootTargets(std::vector<MxRecord>& mx) {
  mx.erase(std::remove_if(mx.begin(), mx.end(), [](const MxRecord& m) { return m.host.empty(); }), mx.end());
}

TruncateResult TruncateAtSelf(std::vector<Route>& routes, const OwnAddresses& own) {
  TruncateResult r;
  for (const Route& route : routes) {
    for (const std::string& a : route.addresses) {
      if (IsOwnAddress(a, own)) {
        r.found_myself = true;
        r.my_preference = route.preference;
        break;
      }
    }
    if (r.found_myself) break;
  }
  if (r.found_myself) {
    routes.erase(std::remove_if(routes.begin(), routes.end(),
                                [&](const Route& x) { return x.preference >= r.my_preference; }),
                 routes.end());
  }
  return r;
}

}  // namespace mxd
