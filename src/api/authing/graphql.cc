#include "api/authing/graphql.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <cctype>
#include <vector>

#include "event/json_writer.h"

namespace auditlog::api::authing {
namespace {

using event::JsonWriter;

// A type reference in SDL form ("[__Type!]!") as an introspection TypeRef.
void WriteTypeRef(JsonWriter& json, std::string_view ref) {
  json.BeginObject();
  if (ref.ends_with('!')) {
    json.Member("kind", "NON_NULL");
    json.Key("name");
    json.Null();
    json.Key("ofType");
    WriteTypeRef(json, ref.substr(0, ref.size() - 1));
  } else if (ref.starts_with('[')) {
    json.Member("kind", "LIST");
    json.Key("name");
    json.Null();
    json.Key("ofType");
    WriteTypeRef(json, ref.substr(1, ref.size() - 2));
  } else {
    const bool scalar =
        ref == "String" || ref == "Int" || ref == "Boolean" || ref == "Float" || ref == "ID";
    const bool enumeration = ref == "__TypeKind" || ref == "__DirectiveLocation";
    json.Member("kind", scalar ? "SCALAR" : enumeration ? "ENUM" : "OBJECT");
    json.Member("name", ref);
    json.Key("ofType");
    json.Null();
  }
  json.EndObject();
}

struct Arg {
  std::string_view name;
  std::string_view type;
  std::string_view default_value;  // GraphQL literal, or empty
};
struct FieldDef {
  std::string_view name;
  std::string_view type;
  std::vector<Arg> args = {};
};

void WriteInputValue(JsonWriter& json, const Arg& arg) {
  json.BeginObject();
  json.Member("name", arg.name);
  json.Key("description");
  json.Null();
  json.Key("type");
  WriteTypeRef(json, arg.type);
  json.Key("defaultValue");
  if (arg.default_value.empty()) {
    json.Null();
  } else {
    json.String(arg.default_value);
  }
  json.EndObject();
}

void WriteNullMembers(JsonWriter& json, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    json.Key(name);
    json.Null();
  }
}

void WriteObjectType(JsonWriter& json, std::string_view name, const std::vector<FieldDef>& fields) {
  json.BeginObject();
  json.Member("kind", "OBJECT");
  json.Member("name", name);
  json.Key("description");
  json.Null();
  json.Key("fields");
  json.BeginArray();
  for (const FieldDef& field : fields) {
    json.BeginObject();
    json.Member("name", field.name);
    json.Key("description");
    json.Null();
    json.Key("args");
    json.BeginArray();
    for (const Arg& arg : field.args) WriteInputValue(json, arg);
    json.EndArray();
    json.Key("type");
    WriteTypeRef(json, field.type);
    json.Key("isDeprecated");
    json.Bool(false);
    json.Key("deprecationReason");
    json.Null();
    json.EndObject();
  }
  json.EndArray();
  WriteNullMembers(json, {"inputFields"});
  json.Key("interfaces");
  json.BeginArray();
  json.EndArray();
  WriteNullMembers(json, {"enumValues", "possibleTypes"});
  json.EndObject();
}

void WriteScalarType(JsonWriter& json, std::string_view name) {
  json.BeginObject();
  json.Member("kind", "SCALAR");
  json.Member("name", name);
  WriteNullMembers(
      json, {"description", "fields", "inputFields", "interfaces", "enumValues", "possibleTypes"});
  json.EndObject();
}

void WriteEnumType(JsonWriter& json, std::string_view name,
                   std::initializer_list<std::string_view> values) {
  json.BeginObject();
  json.Member("kind", "ENUM");
  json.Member("name", name);
  WriteNullMembers(json, {"description", "fields", "inputFields", "interfaces"});
  json.Key("enumValues");
  json.BeginArray();
  for (std::string_view value : values) {
    json.BeginObject();
    json.Member("name", value);
    json.Key("description");
    json.Null();
    json.Key("isDeprecated");
    json.Bool(false);
    json.Key("deprecationReason");
    json.Null();
    json.EndObject();
  }
  json.EndArray();
  WriteNullMembers(json, {"possibleTypes"});
  json.EndObject();
}

void WriteDirective(JsonWriter& json, std::string_view name) {
  json.BeginObject();
  json.Member("name", name);
  json.Key("description");
  json.Null();
  json.Key("locations");
  json.BeginArray();
  for (std::string_view location : {"FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"}) {
    json.String(location);
  }
  json.EndArray();
  json.Key("args");
  json.BeginArray();
  WriteInputValue(json, {"if", "Boolean!", ""});
  json.EndArray();
  json.EndObject();
}

// The value of string argument `name` written inline (`name: "x"`), or "".
std::string InlineStringArgument(std::string_view query, std::string_view name) {
  size_t at = 0;
  while ((at = query.find(name, at)) != std::string_view::npos) {
    size_t pos = at + name.size();
    at = pos;
    while (pos < query.size() && (query[pos] == ' ' || query[pos] == '\n' || query[pos] == '\t')) {
      ++pos;
    }
    if (pos >= query.size() || query[pos] != ':') continue;
    ++pos;
    while (pos < query.size() && (query[pos] == ' ' || query[pos] == '\n' || query[pos] == '\t')) {
      ++pos;
    }
    if (pos >= query.size() || query[pos] != '"') continue;
    const size_t close = query.find('"', pos + 1);
    if (close == std::string_view::npos) return {};
    return std::string(query.substr(pos + 1, close - pos - 1));
  }
  return {};
}

// Whether `query` selects root field `name`: the name followed by '(' or '{'
// (spaces allowed), not as part of a longer name.
bool SelectsField(std::string_view query, std::string_view name) {
  size_t at = 0;
  while ((at = query.find(name, at)) != std::string_view::npos) {
    const bool starts_word = at == 0 || !(std::isalnum(static_cast<unsigned char>(query[at - 1])) ||
                                          query[at - 1] == '_' || query[at - 1] == '$');
    size_t pos = at + name.size();
    at = pos;
    while (pos < query.size() && std::isspace(static_cast<unsigned char>(query[pos]))) ++pos;
    if (starts_word && pos < query.size() && (query[pos] == '(' || query[pos] == '{')) return true;
  }
  return false;
}

}  // namespace

Result<GraphqlRequest> ParseGraphqlRequest(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(object)) {
    return Status::InvalidArgument("graphql: the body must be a JSON object with a query");
  }
  std::string_view query;
  if (object["query"].get(query)) {
    return Status::InvalidArgument("graphql: the body must be a JSON object with a query");
  }
  GraphqlRequest request;
  if (SelectsField(query, "__schema")) {
    request.operation = GraphqlOperation::kIntrospection;
    return request;
  }
  if (!SelectsField(query, "accessToken")) {
    return Status::InvalidArgument(
        "graphql: unsupported operation; this server answers only the accessToken query and "
        "schema introspection");
  }
  request.operation = GraphqlOperation::kAccessToken;
  simdjson::dom::object variables;
  if (!object["variables"].get(variables)) {
    std::string_view text;
    if (!variables["userPoolId"].get(text)) request.user_pool_id = std::string(text);
    if (!variables["secret"].get(text)) request.secret = std::string(text);
  }
  if (request.user_pool_id.empty())
    request.user_pool_id = InlineStringArgument(query, "userPoolId");
  if (request.secret.empty()) request.secret = InlineStringArgument(query, "secret");
  if (request.user_pool_id.empty() || request.secret.empty()) {
    return Status::InvalidArgument("graphql: accessToken needs userPoolId and secret");
  }
  return request;
}

std::string IntrospectionResponse() {
  std::string body;
  JsonWriter json(&body);
  json.BeginObject();
  json.Key("data");
  json.BeginObject();
  json.Key("__schema");
  json.BeginObject();
  json.Key("queryType");
  json.BeginObject();
  json.Member("name", "Query");
  json.EndObject();
  WriteNullMembers(json, {"mutationType", "subscriptionType"});
  json.Key("types");
  json.BeginArray();
  WriteObjectType(json, "Query",
                  {{"accessToken",
                    "AccessTokenRes",
                    {{"userPoolId", "String!", ""}, {"secret", "String!", ""}}}});
  WriteObjectType(json, "AccessTokenRes",
                  {{"accessToken", "String"}, {"exp", "Int"}, {"iat", "Int"}});
  for (std::string_view scalar : {"String", "Int", "Boolean"}) WriteScalarType(json, scalar);
  WriteObjectType(json, "__Schema",
                  {{"types", "[__Type!]!"},
                   {"queryType", "__Type!"},
                   {"mutationType", "__Type"},
                   {"subscriptionType", "__Type"},
                   {"directives", "[__Directive!]!"}});
  WriteObjectType(json, "__Type",
                  {{"kind", "__TypeKind!"},
                   {"name", "String"},
                   {"description", "String"},
                   {"fields", "[__Field!]", {{"includeDeprecated", "Boolean", "false"}}},
                   {"interfaces", "[__Type!]"},
                   {"possibleTypes", "[__Type!]"},
                   {"enumValues", "[__EnumValue!]", {{"includeDeprecated", "Boolean", "false"}}},
                   {"inputFields", "[__InputValue!]"},
                   {"ofType", "__Type"}});
  WriteObjectType(json, "__Field",
                  {{"name", "String!"},
                   {"description", "String"},
                   {"args", "[__InputValue!]!"},
                   {"type", "__Type!"},
                   {"isDeprecated", "Boolean!"},
                   {"deprecationReason", "String"}});
  WriteObjectType(json, "__InputValue",
                  {{"name", "String!"},
                   {"description", "String"},
                   {"type", "__Type!"},
                   {"defaultValue", "String"}});
  WriteObjectType(json, "__EnumValue",
                  {{"name", "String!"},
                   {"description", "String"},
                   {"isDeprecated", "Boolean!"},
                   {"deprecationReason", "String"}});
  WriteObjectType(json, "__Directive",
                  {{"name", "String!"},
                   {"description", "String"},
                   {"locations", "[__DirectiveLocation!]!"},
                   {"args", "[__InputValue!]!"}});
  WriteEnumType(
      json, "__TypeKind",
      {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "LIST", "NON_NULL"});
  WriteEnumType(
      json, "__DirectiveLocation",
      {"QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
       "INLINE_FRAGMENT", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION",
       "INTERFACE", "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"});
  json.EndArray();
  json.Key("directives");
  json.BeginArray();
  WriteDirective(json, "include");
  WriteDirective(json, "skip");
  json.EndArray();
  json.EndObject();
  json.EndObject();
  json.EndObject();
  return body;
}

std::string AccessTokenResponse(std::string_view token, int64_t exp, int64_t iat) {
  std::string body;
  JsonWriter json(&body);
  json.BeginObject();
  json.Key("data");
  json.BeginObject();
  json.Key("accessToken");
  json.BeginObject();
  json.Member("accessToken", token);
  json.Key("exp");
  json.Int(exp);
  json.Key("iat");
  json.Int(iat);
  json.EndObject();
  json.EndObject();
  json.EndObject();
  return body;
}

std::string GraphqlErrorResponse(int code, std::string_view message) {
  std::string body;
  JsonWriter json(&body);
  json.BeginObject();
  json.Key("errors");
  json.BeginArray();
  json.BeginObject();
  json.Key("message");
  json.BeginObject();
  json.Key("code");
  json.Int(code);
  json.Member("message", message);
  json.EndObject();
  json.Key("locations");
  json.BeginArray();
  json.EndArray();
  json.Key("extensions");
  json.BeginObject();
  json.Key("code");
  json.Int(code);
  json.EndObject();
  json.EndObject();
  json.EndArray();
  json.Key("data");
  json.Null();
  json.EndObject();
  return body;
}

}  // namespace auditlog::api::authing
