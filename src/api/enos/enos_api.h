#pragma once

// EnOS Application Portal's audit-log endpoints, served from the canonical store
// (docs/dialects/enos.md).
//
// Thread-safety: handlers are called concurrently.

#include "api/dialect/dialect_api.h"
#include "http/router.h"

namespace auditlog::api::enos {

// Registers the dialect's routes and its error envelope on `router`.
// `options` must outlive the router.
void RegisterEnosApi(http::Router& router, const DialectApiOptions& options);

}  // namespace auditlog::api::enos
