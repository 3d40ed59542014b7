#include "api/dialect/dialect_api.h"

#include <fmt/format.h>

#include <cctype>

#include "enrich/enricher.h"

namespace auditlog::api {

std::optional<std::string_view> BearerCredential(const http::Request& request) {
  const auto header = request.Header("authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*header)[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header->substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Result<http::Principal> AuthenticateApiKey(const http::Request& request,
                                           const http::TenantRegistry& registry) {
  const auto token = BearerCredential(request);
  if (!token) {
    return Status::Unauthenticated("missing credentials: send Authorization: Bearer <API key>");
  }
  return registry.Authenticate(*token);
}

Status RequireScope(const http::Principal& principal, http::Scope scope) {
  if (principal.Has(scope)) return Status::OK();
  return Status::PermissionDenied(
      fmt::format("this API key lacks the scope {}", http::ScopeName(scope)));
}

Result<std::vector<store::AppendOutcome>> StoreEvents(const DialectApiOptions& options,
                                                      std::string_view tenant,
                                                      std::vector<event::Event>& events) {
  for (event::Event& event : events) event.tenant.assign(tenant);
  if (options.enricher != nullptr) options.enricher->Enrich(events);
  return options.store->Append(tenant, events);
}

}  // namespace auditlog::api
