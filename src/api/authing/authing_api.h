#pragma once

// Authing's v2 and v3 audit-log endpoints, served from the canonical store
// (docs/dialects/authing.md).
//
// Thread-safety: handlers are called concurrently.

#include "api/dialect/dialect_api.h"
#include "http/router.h"

namespace auditlog::api::authing {

// Registers the dialect's routes and its error envelope on `router`.
// `options` must outlive the router.
void RegisterAuthingApi(http::Router& router, const DialectApiOptions& options);

}  // namespace auditlog::api::authing
