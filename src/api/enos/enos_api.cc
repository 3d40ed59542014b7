#include "api/enos/enos_api.h"

namespace auditlog::api::enos {

void RegisterEnosApi(http::Router& router, const DialectApiOptions& options) {
  (void)router;
  (void)options;
}

}  // namespace auditlog::api::enos
