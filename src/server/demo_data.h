#pragma once

// Demo events for `auditlog serve --demo` (what `make run` starts): a tenant
// full of plausible audit events, so that a newcomer can query something at
// once. The events are shaped like an identity platform's logs: Auth0 log
// codes ("s" Success Login, "fp" wrong password, "ss" signup, "sapi"
// Management API operation, "limit_wc" blocked account, ...) mixed with
// Authing-style console operations ("createUser", "assignRole", "login", ...).
//
// The mix has the skew of a real tenant, so that aggregations show something:
//   - about 40% successful logins ("s") and 8% failed logins ("f", "fp", "fu");
//   - 400 users ("Ana Li", ana.li@example.com) whose activity follows a
//     Zipf-like law, a handful of them console admins; 20 client apps (14
//     interactive, 5 machine-to-machine, 1 management console); 10
//     connections ("Username-Password-Authentication", "google-oauth2", ...);
//   - a few thousand IPs, while most failed logins (and every brute-force
//     block) come from a dozen attacker IPs, so "top IPs by failures" has a
//     clear answer; about 15 browser, mobile and tool user agents;
//   - `result` follows the code (an Auth0 "f*" code always fails, an "s*" code
//     always succeeds; console operations fail a few percent of the time), and
//     every failure carries a `result_message`; API and console operations
//     name their `resource`; some events carry a small `details` object;
//   - timestamps follow a daily and weekly rhythm (busier in the UTC
//     afternoon and on weekdays), rounded to milliseconds.
//
// Every event passes ValidateEvent (event/validation.h). `tenant`, `seq` and
// `received_at` are left for the store to fill, `geo` and `ua` for the
// enricher. Cost: 100,000 events take well under a second in a release build.
//
// Thread-safety: a pure function; concurrent calls are independent.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "event/event.h"

namespace auditlog::server {

// Returns `count` events spread over the `days` days up to and including
// `now_micros`, in timestamp order, each with a ULID `id` (event/event_id.h)
// made from its timestamp. Deterministic: the same arguments give the same
// events, ids included; another `seed` gives other users, IPs and events.
//
// Out-of-range arguments are clamped rather than rejected, since a demo should
// start whatever the clock says: `now_micros` into 1970..9999, `days` to at
// least 1, and the window so that it starts no earlier than 1970.
std::vector<event::Event> GenerateDemoEvents(size_t count, event::UnixMicros now_micros,
                                             uint64_t seed, int days = 30);

}  // namespace auditlog::server
