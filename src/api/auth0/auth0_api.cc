#include "api/auth0/auth0_api.h"

namespace auditlog::api::auth0 {

void RegisterAuth0Api(http::Router& router, const DialectApiOptions& options) {
  (void)router;
  (void)options;
}

}  // namespace auditlog::api::auth0
