#include "event/event.h"

namespace auditlog::event {

bool Geo::empty() const {
  return country_code.empty() && country_code3.empty() && country_name.empty() &&
         region_code.empty() && region_name.empty() && city_name.empty() && !latitude &&
         !longitude && time_zone.empty() && continent_code.empty() && asn.empty() && as_org.empty();
}

bool UserAgentInfo::empty() const {
  return name.empty() && major.empty() && minor.empty() && patch.empty() && os.empty() &&
         os_major.empty() && os_minor.empty() && device.empty() && !is_mobile;
}

void Event::Clear() {
  for (std::string* text : {&id,
                            &tenant,
                            &type,
                            &name,
                            &description,
                            &result_message,
                            &operation.type,
                            &operation.mode,
                            &resource.type,
                            &resource.id,
                            &resource.name,
                            &origin_value,
                            &target_value,
                            &details,
                            &actor.id,
                            &actor.name,
                            &actor.email,
                            &actor.type,
                            &actor.role,
                            &client.id,
                            &client.name,
                            &connection,
                            &strategy,
                            &audience,
                            &scope,
                            &request_id,
                            &session_id,
                            &ip,
                            &hostname,
                            &user_agent,
                            &security_context.ja3,
                            &security_context.ja4,
                            &geo.country_code,
                            &geo.country_code3,
                            &geo.country_name,
                            &geo.region_code,
                            &geo.region_name,
                            &geo.city_name,
                            &geo.time_zone,
                            &geo.continent_code,
                            &geo.asn,
                            &geo.as_org,
                            &ua.name,
                            &ua.major,
                            &ua.minor,
                            &ua.patch,
                            &ua.os,
                            &ua.os_major,
                            &ua.os_minor,
                            &ua.device}) {
    text->clear();
  }
  seq = 0;
  timestamp.reset();
  received_at.reset();
  result = Outcome::kUnset;
  geo.latitude.reset();
  geo.longitude.reset();
  ua.is_mobile.reset();
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kUnset:
      return "";
    case Outcome::kSuccess:
      return "success";
    case Outcome::kFailure:
      return "failure";
  }
  return "";
}

}  // namespace auditlog::event
