#pragma once

// Auth0's Management API logs endpoints, served from the canonical store
// (docs/dialects/auth0.md).
//
// Thread-safety: handlers are called concurrently.

#include "api/dialect/dialect_api.h"
#include "http/router.h"

namespace auditlog::api::auth0 {

// Registers the dialect's routes and its error envelope on `router`.
// `options` must outlive the router.
void RegisterAuth0Api(http::Router& router, const DialectApiOptions& options);

}  // namespace auditlog::api::auth0
