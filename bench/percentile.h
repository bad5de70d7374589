// Latency percentiles for the benchmark programs.
#pragma once

#include <algorithm>
#include <vector>

namespace mxd::bench {

// The p-quantile (0..1) of `v` (reordered in place); 0 for no samples.
inline double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace mxd::bench
