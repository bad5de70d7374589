#include "common/config/delivery_time_budget.h"

namespace mxd {

DeliveryTimeBudget DeliveryTimeBudgetFrom(const Config& c) {
  DeliveryTimeBudget b;
  // smtp_helo_timeout covers the greeting and the EHLO reply alike.
  b.session_setup = c.GetTime("smtp_connect_timeout") + 2 * c.GetTime("smtp_helo_timeout") +
                    c.GetTime("smtp_starttls_timeout");
  b.transaction = c.GetTime("smtp_mail_timeout") + c.GetTime("smtp_rcpt_timeout") +
                  c.GetTime("smtp_data_init_timeout") + c.GetTime("smtp_data_xfer_timeout") +
                  c.GetTime("smtp_data_done_timeout");
  return b;
}

absl::Duration DefaultDeliverDeadline(const Config& config) {
  return DeliveryTimeBudgetFrom(config).OneServer() + absl::Minutes(1);
}

}  // namespace mxd
