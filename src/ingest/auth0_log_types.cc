#include "ingest/auth0_log_types.h"

#include <array>

namespace auditlog::ingest {
namespace {

using event::Outcome;
constexpr Outcome kOk = Outcome::kSuccess;
constexpr Outcome kFail = Outcome::kFailure;
constexpr Outcome kNone = Outcome::kUnset;

constexpr std::array kTypes = {
    Auth0LogType{"s", kOk, "Success Login"},
    Auth0LogType{"f", kFail, "Failed Login"},
    Auth0LogType{"fp", kFail, "Failed Login (Incorrect Password)"},
    Auth0LogType{"fu", kFail, "Failed Login (Invalid Email/Username)"},
    Auth0LogType{"w", kNone, "Warnings During Login"},
    Auth0LogType{"ss", kOk, "Success Signup"},
    Auth0LogType{"fs", kFail, "Failed Signup"},
    Auth0LogType{"sapi", kOk, "Success API Operation"},
    Auth0LogType{"fapi", kFail, "Failed API Operation"},
    Auth0LogType{"slo", kOk, "Success Logout"},
    Auth0LogType{"flo", kFail, "Failed Logout"},
    Auth0LogType{"scp", kOk, "Success Change Password"},
    Auth0LogType{"fcp", kFail, "Failed Change Password"},
    Auth0LogType{"scpr", kOk, "Success Change Password Request"},
    Auth0LogType{"fcpr", kFail, "Failed Change Password Request"},
    Auth0LogType{"sce", kOk, "Success Change Email"},
    Auth0LogType{"fce", kFail, "Failed Change Email"},
    Auth0LogType{"scu", kOk, "Success Change Username"},
    Auth0LogType{"fcu", kFail, "Failed Change Username"},
    Auth0LogType{"scpn", kOk, "Success Change Phone Number"},
    Auth0LogType{"fcpn", kFail, "Failed Change Phone Number"},
    Auth0LogType{"sv", kOk, "Success Verification Email"},
    Auth0LogType{"fv", kFail, "Failed Verification Email"},
    Auth0LogType{"svr", kOk, "Success Verification Email Request"},
    Auth0LogType{"fvr", kFail, "Failed Verification Email Request"},
    Auth0LogType{"du", kOk, "Deleted User"},
    Auth0LogType{"sdu", kOk, "Successful User Deletion"},
    Auth0LogType{"fdu", kFail, "Failed User Deletion"},
    Auth0LogType{"sd", kOk, "Success Delegation"},
    Auth0LogType{"fd", kFail, "Failed Delegation"},
    Auth0LogType{"seacft", kOk, "Success Exchange (Authorization Code for Access Token)"},
    Auth0LogType{"feacft", kFail, "Failed Exchange (Authorization Code for Access Token)"},
    Auth0LogType{"seccft", kOk, "Success Exchange (Client Credentials for Access Token)"},
    Auth0LogType{"feccft", kFail, "Failed Exchange (Client Credentials for Access Token)"},
    Auth0LogType{"sepft", kOk, "Success Exchange (Password for Access Token)"},
    Auth0LogType{"fepft", kFail, "Failed Exchange (Password for Access Token)"},
    Auth0LogType{"sertft", kOk, "Success Exchange (Refresh Token for Access Token)"},
    Auth0LogType{"fertft", kFail, "Failed Exchange (Refresh Token for Access Token)"},
    Auth0LogType{"ferrt", kFail, "Failed Exchange (Rotating Refresh Token)"},
    Auth0LogType{"seotpft", kOk, "Success Exchange (Password and OTP for Access Token)"},
    Auth0LogType{"feotpft", kFail, "Failed Exchange (Password and OTP for Access Token)"},
    Auth0LogType{"seoobft", kOk, "Success Exchange (Password and OOB for Access Token)"},
    Auth0LogType{"feoobft", kFail, "Failed Exchange (Password and OOB for Access Token)"},
    Auth0LogType{"sercft", kOk,
                 "Success Exchange (Password and MFA Recovery Code for Access Token)"},
    Auth0LogType{"fercft", kFail,
                 "Failed Exchange (Password and MFA Recovery Code for Access Token)"},
    Auth0LogType{"sede", kOk, "Success Exchange (Device Code for Access Token)"},
    Auth0LogType{"fede", kFail, "Failed Exchange (Device Code for Access Token)"},
    Auth0LogType{"sens", kOk, "Success Exchange (Native Social Login)"},
    Auth0LogType{"fens", kFail, "Failed Exchange (Native Social Login)"},
    Auth0LogType{"ssa", kOk, "Success Silent Auth"},
    Auth0LogType{"fsa", kFail, "Failed Silent Auth"},
    Auth0LogType{"scoa", kOk, "Success Cross Origin Authentication"},
    Auth0LogType{"fcoa", kFail, "Failed Cross Origin Authentication"},
    Auth0LogType{"fco", kFail, "Origin is not in the Allowed Origins list"},
    Auth0LogType{"cs", kNone, "Code Sent"},
    Auth0LogType{"cls", kNone, "Code/Link Sent"},
    Auth0LogType{"fn", kFail, "Failed Sending Notification"},
    Auth0LogType{"sui", kOk, "Success Users Import"},
    Auth0LogType{"fui", kFail, "Failed Users Import"},
    Auth0LogType{"con", kNone, "Connector Online"},
    Auth0LogType{"coff", kNone, "Connector Offline"},
    Auth0LogType{"fc", kFail, "Failed by Connector"},
    Auth0LogType{"fcpro", kFail, "Failed Connector Provisioning"},
    Auth0LogType{"fdeac", kFail, "Failed Device Activation"},
    Auth0LogType{"fdeaz", kFail, "Device Authorization Request Failed"},
    Auth0LogType{"fdecc", kFail, "User Canceled Device Confirmation"},
    Auth0LogType{"api_limit", kFail, "Too Many Calls to the API"},
    Auth0LogType{"limit_delegation", kFail, "Too Many Calls to /delegation"},
    Auth0LogType{"limit_mu", kFail, "Blocked IP Address"},
    Auth0LogType{"limit_wc", kFail, "Blocked Account"},
    Auth0LogType{"pwd_leak", kFail, "Breached Password"},
    Auth0LogType{"ublkdu", kNone, "User Login Block Released"},
    Auth0LogType{"mfar", kNone, "MFA Required"},
    Auth0LogType{"gd_auth_succeed", kOk, "MFA Authentication Succeeded"},
    Auth0LogType{"gd_auth_failed", kFail, "MFA Authentication Failed"},
    Auth0LogType{"gd_auth_rejected", kFail, "MFA Authentication Rejected"},
    Auth0LogType{"gd_enrollment_complete", kOk, "MFA Enrollment Complete"},
    Auth0LogType{"gd_otp_rate_limit_exceed", kFail, "Too Many MFA Failures"},
    Auth0LogType{"gd_recovery_succeed", kOk, "MFA Recovery Succeeded"},
    Auth0LogType{"gd_recovery_failed", kFail, "MFA Recovery Failed"},
    Auth0LogType{"gd_recovery_rate_limit_exceed", kFail, "Too Many MFA Recovery Failures"},
    Auth0LogType{"gd_send_pn", kNone, "MFA Push Notification Sent"},
    Auth0LogType{"gd_send_sms", kNone, "MFA SMS Sent"},
    Auth0LogType{"gd_send_sms_failure", kFail, "MFA SMS Failed"},
    Auth0LogType{"gd_send_voice", kNone, "MFA Voice Call Sent"},
    Auth0LogType{"gd_send_voice_failure", kFail, "MFA Voice Call Failed"},
    Auth0LogType{"gd_start_auth", kNone, "MFA Authentication Started"},
    Auth0LogType{"gd_start_enroll", kNone, "MFA Enrollment Started"},
    Auth0LogType{"gd_tenant_update", kNone, "MFA Tenant Settings Updated"},
    Auth0LogType{"gd_unenroll", kNone, "MFA Device Unenrolled"},
    Auth0LogType{"gd_update_device_account", kNone, "MFA Device Account Updated"},
    Auth0LogType{"depnote", kNone, "Deprecation Notice"},
    Auth0LogType{"scph", kOk, "Success Post Change Password Hook"},
    Auth0LogType{"fcph", kFail, "Failed Post Change Password Hook"},
};

}  // namespace

std::optional<Auth0LogType> FindAuth0LogType(std::string_view code) {
  for (const Auth0LogType& type : kTypes) {
    if (type.code == code) return type;
  }
  return std::nullopt;
}

}  // namespace auditlog::ingest
