#include "api/authing/authing_api.h"

namespace auditlog::api::authing {

void RegisterAuthingApi(http::Router& router, const DialectApiOptions& options) {
  (void)router;
  (void)options;
}

}  // namespace auditlog::api::authing
